#!/usr/bin/env python3
"""Times the convolution workloads of `adastride bench` in PyTorch on the
same machine and prints them beside adastride's own figures.

For each convolution workload (default: the four shapes of the
performance issue, vgg, res, dw and small) it times, forward and
forward+backward (gradients of x and w), median of --reps runs after two
warm-ups, on the CPU with all of torch's threads:

  conv2d        torch.nn.functional.conv2d at the fixed stride;
  conv+sample   the naive adaptive route: a stride-1 conv2d, then
                grid_sample at separable positions (bilinear, zero
                padding): the same output size as the strided layer;
  deform_conv   torchvision.ops.deform_conv2d with an offset per tap and
                output pixel (what a full adaptive grid needs);

runs `adastride bench --only <workload> --csv` on the device given by
--device for the same workload (one workload at a time, so that a row's
figures are measured close together) and prints the fixed, separable and
grid medians and the ratios "torch / adastride" (above 1: adastride is
faster).

With --baseline OTHER_TOOL it also runs a second build of adastride
(say, the one before a change) in the same run and prints a before/after
table: on a machine shared with other jobs, ratios from one run are the
comparison that holds.

Needs Debian's python3-torch and python3-torchvision; the library does
not. Usage:

  /usr/bin/python3 bench/compare_pytorch.py [--adastride build/tools/adastride]
      [--only vgg,res,dw,small] [--reps 7] [--device SPEC] [--threads N]
      [--baseline OTHER_TOOL]
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adastride", default="build/tools/adastride",
                    help="the adastride tool (default: build/tools/adastride)")
    ap.add_argument("--only", default="vgg,res,dw,small",
                    help="comma-separated convolution workloads (adastride bench --list)")
    ap.add_argument("--reps", type=int, default=7, help="timed runs per figure (median)")
    ap.add_argument("--device", default=None, help="adastride device spec (ADS_DEVICE grammar)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="torch threads (default: every core)")
    ap.add_argument("--baseline", default=None,
                    help="a second adastride tool to time in the same run (before/after)")
    return ap.parse_args()


WORKLOAD = re.compile(r"^\s*(\S+)\s+.*\bconv N=(\d+) C=(\d+)->(\d+) (\d+)x(\d+) "
                      r"k(\d+) s(\d+) p(\d+)( depthwise)?")


def workloads(tool, names):
    """The shapes of the named convolution workloads, from `bench --list`."""
    out = subprocess.run([tool, "bench", "--list"], check=True, capture_output=True,
                         text=True).stdout
    shapes = {}
    for line in out.splitlines():
        m = WORKLOAD.match(line)
        if m:
            n, ci, co, h, w, k, s, p = (int(v) for v in m.groups()[1:9])
            shapes[m.group(1)] = dict(N=n, Cin=ci, Cout=co, H=h, W=w, k=k, s=s, p=p,
                                      groups=ci if m.group(10) else 1)
    missing = [x for x in names if x not in shapes]
    if missing:
        sys.exit("compare_pytorch: not convolution workloads of `adastride bench --list`: "
                 + ", ".join(missing))
    return {x: shapes[x] for x in names}


def median_ms(fn, reps):
    for _ in range(2):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_times(shape, reps):
    import torch
    import torch.nn.functional as F
    from torchvision.ops import deform_conv2d

    torch.manual_seed(0)
    N, Ci, Co, H, W = shape["N"], shape["Cin"], shape["Cout"], shape["H"], shape["W"]
    k, s, p, g = shape["k"], shape["s"], shape["p"], shape["groups"]
    Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    x = torch.randn(N, Ci, H, W, requires_grad=True)
    w = torch.randn(Co, Ci // g, k, k, requires_grad=True)
    # Separable positions (output row i, column j of the stride-1 map) at
    # the nominal stride plus a fraction, as normalised coordinates.
    ys = (torch.arange(Ho) * s + 0.37).clamp(max=H - 1)
    xs = (torch.arange(Wo) * s + 0.61).clamp(max=W - 1)
    gy, gx = torch.meshgrid(ys / (H - 1) * 2 - 1, xs / (W - 1) * 2 - 1, indexing="ij")
    grid = torch.stack((gx, gy), dim=-1).expand(N, Ho, Wo, 2).contiguous()
    offset = (torch.rand(N, 2 * k * k, Ho, Wo) - 0.5)

    def conv():
        return F.conv2d(x, w, stride=s, padding=p, groups=g)

    def conv_sample():
        return F.grid_sample(F.conv2d(x, w, stride=1, padding=p, groups=g), grid,
                             mode="bilinear", padding_mode="zeros", align_corners=True)

    def deform():
        return deform_conv2d(x, offset, w, stride=s, padding=p)

    out = {}
    for name, f in (("conv2d", conv), ("conv+sample", conv_sample), ("deform_conv", deform)):
        # deform_conv2d infers the groups from w's shape.
        with torch.no_grad():
            fwd = median_ms(f, reps)

        def both():
            x.grad = w.grad = None
            f().sum().backward()

        out[name] = (fwd, median_ms(both, reps))
    return out


def adastride_times(tool, names, reps, device):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.csv")
        cmd = [tool, "bench", "--only", ",".join(names), "--reps", str(reps), "--csv", path]
        if device:
            cmd += ["--devices", device]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(path)))
    times, device_name = {}, rows[0]["device"] if rows else "?"
    for r in rows:
        if r["device"] == device_name:
            times[(r["workload"], r["variant"], r["pass"])] = float(r["median_ms"])
    return device_name, times


def main():
    a = parse_args()
    names = [x for x in a.only.split(",") if x]
    shapes = workloads(a.adastride, names)
    try:
        import torch
        import torchvision  # noqa: F401
    except ImportError as e:
        sys.exit(f"compare_pytorch: {e}; install Debian's python3-torch and python3-torchvision")
    torch.set_num_threads(a.threads)
    # One workload at a time, adastride (and the baseline) then PyTorch,
    # so that the figures of one row are taken within a minute or so of
    # each other: on a machine shared with other jobs the speed drifts
    # over the minutes a whole run takes.
    ours, before, torch_ms, device = {}, {} if a.baseline else None, {}, "?"
    for name in names:
        device, t = adastride_times(a.adastride, [name], a.reps, a.device)
        ours.update(t)
        if a.baseline:
            before.update(adastride_times(a.baseline, [name], a.reps, a.device)[1])
        torch_ms[name] = torch_times(shapes[name], a.reps)
    print(f"PyTorch {torch.__version__} on the CPU ({torch.get_num_threads()} threads); "
          f"adastride on {device}; medians of {a.reps}, ms; each workload's row measured "
          f"together")
    print(f"{'workload':9} {'pass':8} {'conv2d':>8} {'conv+sample':>11} {'deform':>8} "
          f"{'ads fixed':>9} {'ads sep':>8} {'ads grid':>8}  {'conv2d/fixed':>12} "
          f"{'c+s/sep':>8} {'deform/grid':>11}")
    for name in names:
        t = torch_ms[name]
        for i, pass_name in enumerate(("forward", "fwd+bwd")):
            fixed = ours.get((name, "fixed", pass_name), float("nan"))
            sep = ours.get((name, "separable", pass_name), float("nan"))
            grid = ours.get((name, "grid", pass_name), float("nan"))
            c, cs, d = t["conv2d"][i], t["conv+sample"][i], t["deform_conv"][i]
            print(f"{name:9} {pass_name:8} {c:8.2f} {cs:11.2f} {d:8.2f} {fixed:9.2f} "
                  f"{sep:8.2f} {grid:8.2f}  {c / fixed:11.2f}x {cs / sep:7.2f}x "
                  f"{d / grid:10.2f}x")


    if before is not None:
        print_before_after(names, before, ours)


def print_before_after(names, before, after):
    """The baseline's medians beside this build's, and before/after."""
    print("\nadastride before (--baseline) and after (--adastride), same run; ms; "
          "speed-up = before / after")
    print(f"{'workload':9} {'pass':8} " + " ".join(
        f"{v + ' ' + w:>13}" for v in ("fixed", "sep", "grid") for w in ("before", "after"))
        + "  " + " ".join(f"{v + ' x':>8}" for v in ("fixed", "sep", "grid")))
    for name in names:
        for pass_name in ("forward", "fwd+bwd"):
            cells, gains = [], []
            for variant in ("fixed", "separable", "grid"):
                b = before.get((name, variant, pass_name), float("nan"))
                n = after.get((name, variant, pass_name), float("nan"))
                cells += [f"{b:13.2f}", f"{n:13.2f}"]
                gains.append(f"{b / n:7.2f}x")
            print(f"{name:9} {pass_name:8} " + " ".join(cells) + "  " + " ".join(gains))


if __name__ == "__main__":
    main()
