#!/usr/bin/env python3
"""Every command of the adastride tool refuses a bad option value with
exit code 2 and a message naming the option and its range (issue 15:
numbers were cut silently, `--bogus` last said it needed a value, bench
printed only its usage). Parsing happens before any device is opened."""
import subprocess
import sys

tool = sys.argv[1]
cases = [
    # (arguments, words the message must hold)
    (["train", "--epochs", "4294967297"], ["--epochs", "'4294967297'", "[1, 500]"]),
    (["train", "--batch", "4294967298"], ["--batch", "[2, 55000]"]),
    (["train", "--seed", "-1"], ["--seed", "'-1'", "[0, 18446744073709551615]"]),
    (["train", "--seed", "18446744073709551616"], ["--seed"]),
    (["train", "--eval-subset", "-5"], ["--eval-subset", "[0, 10000]"]),
    (["train", "--eval-subset", "99999999"], ["--eval-subset", "[0, 10000]"]),
    (["train", "--train-subset", "12abc"], ["--train-subset", "'12abc'"]),
    (["train", "--lr", "inf"], ["--lr", "'inf'", "finite number > 0"]),
    (["train", "--lr", "nan"], ["--lr", "finite"]),
    (["train", "--lr", "1e39"], ["--lr", "finite"]),
    (["train", "--predictor-lr", "-0.5"], ["--predictor-lr", ">= 0"]),
    (["train", "--width", "0"], ["--width", "[1, 1024]"]),
    (["train", "--task", "mnist"], ["--task", "fashion or fashion-placed"]),
    (["train", "--bogus"], ["unknown option '--bogus'"]),
    (["train", "--epochs"], ["--epochs needs a value"]),
    (["experiment", "--bogus"], ["unknown option '--bogus'"]),
    (["experiment", "--epochs", "4294967297"], ["--epochs", "[1, 500]"]),
    (["experiment", "--seeds", "11"], ["--seeds", "[1, 10]"]),
    (["experiment", "--lr", "inf"], ["--lr", "finite number > 0"]),
    (["experiment", "--nets", "resnet"], ["--nets", "vgg and/or mobilenet"]),
    (["demo", "--bogus"], ["unknown option '--bogus'"]),
    (["demo", "--epochs", "-1"], ["--epochs", "[1, 500]"]),
    (["demo", "--eval-subset", "99999999"], ["--eval-subset", "[0, 10000]"]),
    (["bench", "--bogus"], ["unknown option '--bogus'"]),
    (["bench", "--reps", "0"], ["--reps", "[1, 1000]"]),
    (["bench", "--batch", "4294967297"], ["--batch", "[1, 1024]"]),
    (["bench", "--scale", "inf"], ["--scale", "(0, 16]"]),
    (["selftest", "--device"], ["--device needs a value"]),
]
failed = 0
for args, words in cases:
    try:
        r = subprocess.run([tool] + args, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:  # accepted, and it went on to train
        failed += 1
        print(f"FAIL {' '.join(args)}: accepted (still running after 30 s)")
        continue
    missing = [w for w in words if w not in r.stderr]
    if r.returncode != 2 or missing:
        failed += 1
        print(f"FAIL {' '.join(args)}: exit {r.returncode}, missing {missing}\n{r.stderr}")
    else:
        print(f"ok   {' '.join(args)}: {r.stderr.splitlines()[0]}")
for cmd in ["train", "demo", "experiment", "bench"]:
    r = subprocess.run([tool, cmd, "--help"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "usage" not in r.stdout:
        failed += 1
        print(f"FAIL {cmd} --help: exit {r.returncode}")
print(f"{len(cases) + 4 - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
