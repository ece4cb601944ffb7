#!/usr/bin/env python3
"""Static GPU resource check: every kernel program compiled offline with
clang 15 and libclc for AMD (gfx90a, gfx1030) and NVIDIA (nvptx64), with the
exact options the library passes when it runs on a GPU-like device.

The options come from the library itself: `adastride selftest` runs under
oclgrind (a GPU-class device with 32 KiB of local memory and work-groups
of at most 256) with ADS_PROGRAM_LOG set, once as is, once with
ADS_GEMM=tiled (the GPU GEMM), and once in the CPU's row shape for
pooling (pool.item_pixel 0) with ADS_POOL_SEP=direct (the global-cache
variant its small-device fallback takes), the tuning table off
(ADS_TUNE=off: the defaults for the device class). A hot kernel is held
to the check in the builds the library launches it from on the GPU-like
device; the forced row-shape pass only adds builds to compile (its
kernels are not GPU launches).
Each (program, options) pair is then compiled
  * at -O0 for amdgcn and nvptx: no undefined symbol may remain (a helper
    that is not `static inline` is a link failure on clang-based drivers);
  * at -O3 for gfx90a and gfx1030 with -Rpass-analysis=kernel-resource-usage
    (VGPRs, AGPRs, SGPRs, scratch bytes per lane, waves per SIMD);
  * at -O3 for nvptx64 with -S (the per-thread stack: __local_depot bytes).
The table goes to the file named by --table (docs/gpu-resources.md).

Exit status: 0 when every HOT kernel below (CPU_ONLY aside) has no scratch
and at least MIN_WAVES waves per SIMD on gfx90a, no CPU_ONLY kernel is
launched on the GPU-like device and no program leaves an undefined symbol;
1 otherwise;
77 (meson's "skipped") when clang-15, libclc-15 or oclgrind is missing.

usage: gpu_resources.py ADASTRIDE_TOOL CL_DIR [--table FILE]
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The hot kernels, held to GPU occupancy on gfx90a: kernel name -> what it
# is. A new kernel is one line here; its options come from the library's
# own log of the programs it builds.
HOT = {
    # GEMM: the GPU one (cl/gemm_tiled.cl), then the CPU ones
    "gemm_tiled": "gemm",
    "gemm_vec": "gemm",
    "gemm_dot": "gemm",
    "gemm_pack_b": "gemm",
    "gemm_simple": "gemm",
    # gather (im2col) and col2im
    "gconv_im2col_fixed": "gather",
    "gconv_im2col_sep": "gather",
    "gconv_im2col_sep_rows": "gather",
    "gconv_im2col_grid": "gather",
    "gconv_im2col_grid_rows": "gather",
    "gconv_grad_grid16": "gather",
    "gconv_grid_taps16": "gather",
    "gconv_grad_sep_part_rows": "gather",
    "gconv_col2im_fixed": "col2im",
    "gconv_col2im_fixed_pixel": "col2im",
    "gconv_col2im_sep_pixel": "col2im",
    "gconv_col2im_sep": "col2im",
    "gconv_col2im_grid": "col2im",
    # pooling
    "pool_fixed_forward": "pool",
    "pool_fixed_forward_pixel": "pool",
    "pool_fixed_backward_gx_pixel": "pool",
    "pool_sep_forward": "pool",
    "pool_sep_forward_rows": "pool",
    "pool_grid_forward": "pool",
    "pool_sep_forward_pixel": "pool",
    "pool_sep_grad_pos_pixel": "pool",
    "pool_rows_backward_gx": "pool",
    "pool_sep_grad_pos": "pool",
    "pool_grid_backward_gx": "pool",
    "pool_grid_grad_pos": "pool",
    # depthwise
    "gconv_dw_fixed": "depthwise",
    "gconv_dw_sep": "depthwise",
    "gconv_dw_grid": "depthwise",
    "gconv_dw_gw_fixed": "depthwise",
    "gconv_dw_gw_sep": "depthwise",
    "gconv_dw_gw_grid": "depthwise",
    "gconv_dw_gx_fixed": "depthwise",
    "gconv_dw_pixel": "depthwise",
    "gconv_dw_gw_pixel": "depthwise",
    "gconv_dw_gx_fixed_pixel": "depthwise",
    # the stride predictor's GPU shape
    "stride_profile_group": "predictor",
    "stride_profile_gx_pixel": "predictor",
}

# Hot kernels shaped for the CPU, listed in the table but not held to the
# resource check, because a GPU path replaces them on GPUs; the check
# instead fails when the GPU-like device launches one of them:
#  * the CPU GEMM (cl/gemm.cl) keeps a 256-float register tile in one
#    work-item per work-group; CLBlast or the GPU GEMM (gemm_tiled) take
#    its place on GPUs;
#  * the vectorised pool and depthwise kernels give each work-item 16
#    (pool: float16 lanes) or 8 (depthwise: float8 blocks per tap) outputs,
#    which PoCL turns into SIMD instructions; on gfx90a that is 130 to 390
#    registers, 1 to 3 waves per SIMD. Their pixel-shaped replacements
#    (gconv_dw_pixel, gconv_dw_gw_pixel, pool_fixed_forward_pixel,
#    pool_sep_forward_pixel, pool_sep_grad_pos_pixel) are in HOT;
#  * the other row-per-work-item kernels that have a pixel-shaped
#    replacement (neighbouring work-items a row apart, uncoalesced on a
#    GPU, though their registers would pass);
#  * the separable gather through blended rows in local memory
#    (gconv_im2col_sep_rows) and the full grid's through decoded taps
#    (gconv_im2col_grid_rows), built only in the row shape; the grid
#    gradient and tap table of 16 outputs per work-item in vector lanes
#    (gconv_grad_grid16, gconv_grid_taps16: gconv_grad_grid and
#    gconv_grid_taps on GPUs) and the separable position gradients' row
#    blocks in local memory (gconv_grad_sep_part_rows: gconv_grad_sep_part);
#  * the adaptive depthwise CPU shapes (gconv.dw_plane): the separable
#    plane kernels (a work-item per plane with a few rows of local
#    memory) and the full grid's channel-blocked ones (16 channels in a
#    float16 per work-item, a block's gx in local memory): far too few
#    work-items, too many registers for a GPU.
CPU_ONLY = {
    "gemm_vec", "gemm_dot", "gemm_pack_b", "gemm_simple",
    "pool_fixed_forward", "pool_sep_forward", "pool_sep_forward_rows", "pool_sep_grad_pos",
    "gconv_dw_fixed", "gconv_dw_sep", "gconv_dw_grid", "gconv_dw_gw_fixed", "gconv_dw_gw_sep",
    "gconv_dw_gw_grid", "gconv_dw_gx_fixed", "gconv_col2im_fixed", "gconv_col2im_sep",
    "stride_profile_gx", "gconv_dw_sep_plane", "gconv_dw_backward_plane",
    "gconv_dw_block_channels", "gconv_dw_grid_blocked", "gconv_dw_grid_blocked_backward",
    "gconv_dw_grid_pos_sum", "gconv_im2col_sep_rows", "gconv_im2col_grid_rows",
    "gconv_grad_grid16", "gconv_grid_taps16", "gconv_grad_sep_part_rows",
}
MIN_WAVES = 4
CHECK_TARGET = "gfx90a"

CLANG = "clang-15"
NM = "llvm-nm-15"
LIBCLC = {"amdgcn": "/usr/lib/clc/amdgcn--amdhsa.bc", "nvptx": "/usr/lib/clc/nvptx64--nvidiacl.bc"}
TARGETS = [  # (name in the table, clang target flags, libclc)
    ("gfx90a", ["-target", "amdgcn-amd-amdhsa", "-mcpu=gfx90a"], "amdgcn"),
    ("gfx1030", ["-target", "amdgcn-amd-amdhsa", "-mcpu=gfx1030"], "amdgcn"),
    ("nvptx64", ["-target", "nvptx64-nvidia-nvcl"], "nvptx"),
]
OCLGRIND = ["oclgrind", "--max-wgsize", "256", "--local-mem-size", "32768"]


def skip(why):
    print("skipped: " + why)
    sys.exit(77)


def harvest(tool):
    """(program, options) pairs the library builds on the GPU-like device,
    and the (program, options, kernel) triples it launches."""
    pairs, launched = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        passes = (({}, True), ({"ADS_GEMM": "tiled"}, True),
                  ({"ADS_POOL_SEP": "direct", "ADS_TUNE_SET": "pool.item_pixel=0"}, False))
        for extra, gpu_launches in passes:
            log = os.path.join(tmp, "programs.log")
            env = dict(os.environ, ADS_PROGRAM_LOG=log, ADS_TUNE="off", ADS_CACHE_DIR="off",
                       **extra)
            env.pop("ADS_DEVICE", None)
            run = subprocess.run(OCLGRIND + [tool, "selftest"], env=env, capture_output=True,
                                 text=True)
            if run.returncode != 0:
                sys.exit("selftest under oclgrind failed:\n" + run.stdout + run.stderr)
            with open(log) as f:
                for line in f:
                    fields = line.rstrip("\n").split("\t")
                    name, options = fields[0], fields[1].strip()
                    if (name, options) not in pairs:
                        pairs.append((name, options))
                    if len(fields) > 2 and gpu_launches:
                        launched.add((name, options, fields[2]))
            os.remove(log)
    return pairs, launched


def clang(cl_dir, source, options, flags, libclc, out, extra):
    cmd = ([CLANG, "-x", "cl", "-Xclang", "-finclude-default-header", "-I", cl_dir,
            "-nogpulib", "-Xclang", "-mlink-builtin-bitcode", "-Xclang", LIBCLC[libclc],
            "-Wno-linker-warnings"] + flags + options.split() + extra +
           [os.path.join(cl_dir, source + ".cl"), "-o", out])
    return subprocess.run(cmd, capture_output=True, text=True)


def undefined_symbols(cl_dir, source, options, tmp):
    """Undefined symbols (llvm.* intrinsics aside) at -O0 on amdgcn and nvptx."""
    missing = set()
    for _, flags, libclc in (TARGETS[0], TARGETS[2]):
        out = os.path.join(tmp, "o0.o")
        # nvptx: an LLVM bitcode object (its PTX needs NVIDIA's assembler)
        emit = ["-emit-llvm"] if libclc == "nvptx" else []
        run = clang(cl_dir, source, options, flags, libclc, out, ["-O0", "-c"] + emit)
        if run.returncode != 0:
            missing.add("compile failed at -O0: " + run.stderr.strip()[:300])
            continue
        nm = subprocess.run([NM, "-u", out], capture_output=True, text=True)
        for line in nm.stdout.split("\n"):
            sym = line.split()[-1] if line.split() else ""
            if sym and not sym.startswith("llvm."):
                missing.add(sym)
    return sorted(missing)


REMARK = re.compile(r"remark:\s+(Function Name|SGPRs|VGPRs|AGPRs|ScratchSize \[bytes/lane\]|"
                    r"Occupancy \[waves/SIMD\]|LDS Size \[bytes/block\]):\s+(\S+)")


def amd_usage(cl_dir, source, options, flags, tmp):
    run = clang(cl_dir, source, options, flags, "amdgcn", os.path.join(tmp, "o3.o"),
                ["-O3", "-c", "-Rpass-analysis=kernel-resource-usage"])
    if run.returncode != 0:
        sys.exit("compiling cl/%s.cl (%s) failed:\n%s" % (source, options, run.stderr))
    kernels, current = collections.OrderedDict(), None
    for key, value in REMARK.findall(run.stderr):
        if key == "Function Name":
            current = kernels.setdefault(value, {})
        elif current is not None:
            current[key.split()[0]] = int(value)
    return kernels


ENTRY = re.compile(r"^\.entry\s+(\w+)\(", re.M)
DEPOT = re.compile(r"__local_depot\d+\[(\d+)\]")


def nvptx_stack(cl_dir, source, options, tmp):
    out = os.path.join(tmp, "o3.ptx")
    run = clang(cl_dir, source, options, TARGETS[2][1], "nvptx", out, ["-O3", "-S"])
    if run.returncode != 0:
        sys.exit("compiling cl/%s.cl (%s) for nvptx failed:\n%s" % (source, options, run.stderr))
    with open(out) as f:
        ptx = f.read()
    stacks = {}
    entries = list(ENTRY.finditer(ptx))
    for i, m in enumerate(entries):
        body = ptx[m.end():entries[i + 1].start() if i + 1 < len(entries) else len(ptx)]
        stacks[m.group(1)] = sum(int(n) for n in DEPOT.findall(body))
    return stacks


DOC_HEAD = """# GPU resources of every kernel

Written by `tools/gpu_resources.py` (the `gpu_resources` meson test; needs
clang-15, libclc-15 and oclgrind): every program compiled offline with the
options the library passes on a GPU-like device (oclgrind, 32 KiB local
memory, work-groups up to 256, tuning defaults), at -O3, for AMD gfx90a
(MI200) and gfx1030 (RDNA2) with clang's kernel-resource-usage remarks, and
for nvptx64 (the per-thread stack in PTX: arrays indexed at run time live
there, in slow local memory). VGPRs "a+b" are VGPRs plus AGPRs (gfx90a
shares 512 between them: at most 128 per lane for 4 waves per SIMD).
"hot" marks the kernels held to no scratch and at least 4 waves per SIMD on
gfx90a in the builds the library launches them from (options "-": the
build of every program with no options, as `ads_build_all` does, where a
kernel keeps its file defaults); "(cpu-only)" ones are CPU-shaped: GPUs
launch their pixel-shaped replacements instead, and the check fails if the
GPU-like device launches one (see the script's CPU_ONLY). The GPU GEMM (gemm_tiled) runs where ADS_GEMM=tiled or the
tuning key gemm.path asks for it; CLBlast is the GPU default.

"""


def amd_cells(u):
    vgprs = "%d" % u.get("VGPRs", 0) + ("+%d" % u["AGPRs"] if u.get("AGPRs") else "")
    return "%s | %d | %d | %d" % (vgprs, u.get("SGPRs", 0), u.get("ScratchSize", 0),
                                  u.get("Occupancy", 0))


def write_table(path, rows, amd_targets):
    head = "| program | options | kernel | hot |"
    rule = "|---|---|---|---|"
    for t in amd_targets:
        head += " %s VGPRs | SGPRs | scratch B | waves/SIMD |" % t
        rule += "---:|---:|---:|---:|"
    head += " nvptx64 stack B |\n"
    rule += "---:|\n"
    lines = []
    for source, options, kernel, role, usage, stack in rows:
        opts = options.replace("-cl-std=CL1.2", "").strip() or "-"
        lines.append("| %s | %s | %s | %s | %s | %d |\n" %
                     (source, opts, kernel, role, " | ".join(amd_cells(u) for u in usage), stack))
    table = DOC_HEAD + head + rule + "".join(lines)
    if path:
        with open(path, "w") as f:
            f.write(table)
    else:
        sys.stdout.write(table)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tool")
    ap.add_argument("cl_dir")
    ap.add_argument("--table", help="write the markdown table here")
    args = ap.parse_args()
    for prog in (CLANG, NM, "oclgrind"):
        if not shutil.which(prog):
            skip(prog + " is not installed")
    for path in LIBCLC.values():
        if not os.path.exists(path):
            skip(path + " is missing (libclc-15)")

    pairs, launched = harvest(args.tool)
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for source, options in pairs:
            for sym in undefined_symbols(args.cl_dir, source, options, tmp):
                failures.append("cl/%s.cl (%s): undefined at -O0: %s" % (source, options, sym))
            usage = {name: amd_usage(args.cl_dir, source, options, flags, tmp)
                     for name, flags, lib in TARGETS if lib == "amdgcn"}
            stack = nvptx_stack(args.cl_dir, source, options, tmp)
            for kernel in usage[CHECK_TARGET]:
                role = HOT.get(kernel, "")
                if role and kernel in CPU_ONLY:
                    role += " (cpu-only)"
                rows.append((source, options, kernel, role,
                             [usage[t].get(kernel, {}) for t in usage], stack.get(kernel, 0)))
                u = usage[CHECK_TARGET][kernel]
                # Held to the check as the library launches it (a program
                # that ads_build_all only compiles, with its file defaults,
                # is listed but not held).
                if kernel in CPU_ONLY and (source, options, kernel) in launched:
                    failures.append("%s (%s, %s): CPU-shaped, launched on the GPU-like device" %
                                    (kernel, source, options))
                if role and kernel not in CPU_ONLY and (source, options, kernel) in launched:
                    if u.get("ScratchSize", 0) > 0:
                        failures.append("%s (%s, %s): %d bytes of scratch per lane on %s" %
                                        (kernel, source, options, u["ScratchSize"], CHECK_TARGET))
                    if u.get("Occupancy", 0) < MIN_WAVES:
                        failures.append("%s (%s, %s): %d waves per SIMD on %s (< %d)" %
                                        (kernel, source, options, u.get("Occupancy", 0),
                                         CHECK_TARGET, MIN_WAVES))
    write_table(args.table, rows, [t for t, _, lib in TARGETS if lib == "amdgcn"])
    print("%d programs, %d kernel rows; %d failures" % (len(pairs), len(rows), len(failures)))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
