/* The registry's tables (see tunables.h): defaults for the classes CPU,
   GPU and CPU8, in that order. A default that differs between
   the classes says so in its line; the CPU defaults are the ones measured
   best on PoCL, the GPU ones are GPU-shaped (docs/design.md, "Per-device
   defaults"). */
#include <string.h>
#include <strings.h>

#include "tunables.h"

/* clang-format off */
const ads_tunable ads_tunables[] = {
    {"gemm.path", {ADS_GEMM_PATH_CPU, ADS_GEMM_PATH_CLBLAST, ADS_GEMM_PATH_CPU}, 0, 2, {0, 1, 2}, 3,
     "dense products: 0 CPU-shaped kernels, 1 tiled GPU kernel, 2 CLBlast (ADS_GEMM overrides)"},
    {"gemm.pack_min_m", {32, 32, 32}, 1, 1 << 20, {0}, 0,
     "CPU path: products with at least this many rows pack op(B) into column tiles first (A * B^T: more than gemm.dot_max_m rows)"},
    /* CPU8: A * B^T up to 128 rows by gemm_dot on B as stored, with its
       4 x 3 float8 block: packing B^T (a transposing copy of the whole
       column matrix) cost more than it gave there (a gW of 32 and 64
       rows 65 -> 123 and 92 -> 141 GFLOP per CPU-second on a 2-core
       Zen 3; 128 rows level, 256 and 512 rows faster packed). */
    {"gemm.dot_max_m", {31, 31, 128}, 0, 1 << 20, {0}, 0,
     "CPU path: products A * B^T with at most this many rows read B as stored (gemm_dot), not packed"},
    /* CPU: the micro-kernel, both panels packed and a 12 x 32 block of C
       in 24 float16 accumulators of AVX-512's 32 registers (on PoCL the
       forward products reach 240-270 GFLOP per CPU-second, against
       230-250 for 8 unpacked rows); GPU-class devices keep 8 rows. CPU8
       (AVX2's 16 registers of 8 floats): a 6 x 16 block in 12 float8
       accumulators, BLIS's Haswell shape (on a 2-core Zen 3, the forward
       products 34-58 -> 115-135 GFLOP per CPU-second: the AVX-512 block
       spilled). */
    {"gemm.vec_tm", {12, 8, 6}, 1, 16, {4, 6, 8, 12}, 4,
     "CPU path, gemm_vec: rows of C per register tile"},
    {"gemm.vec_ku", {4, 4, 4}, 1, 16, {0}, 0,
     "CPU path, gemm_vec: steps of k unrolled in the micro-kernel"},
    {"gemm.pack_a", {1, 0, 1}, 0, 1, {0}, 0,
     "CPU path, gemm_vec: 1 packs op(A) in row tiles of vec_tm (one contiguous stream per k step)"},
    {"gemm.pack_a_min_reuse", {64, 64, 64}, 1, 1 << 20, {0}, 0,
     "CPU path: op(A) is packed only where at least this many work-items read each row tile"},
    {"gemm.vec_vw", {16, 16, 8}, 4, 16, {0}, 0,
     "CPU path, gemm_vec: vector width (4, 8 or 16) of a tile's columns"},
    {"gemm.vec_nv", {2, 2, 2}, 1, 4, {1, 2, 4}, 3,
     "CPU path, gemm_vec: vectors per tile row (tile width vec_vw * vec_nv)"},
    /* CPU8: 4 x 3 dot products in 12 float8 accumulators, where the
       CPU's 4 x 4 of float16 (32 ymm registers' worth) spilled: a grouped
       layer's gW with 8 and 16 outputs a group 53 -> 86 and 59 -> 124
       GFLOP per CPU-second on a 2-core Zen 3 (bench/gemm_speed, medians
       of six interleaved runs; 2 x 4, 4 x 2 and 3 x 3 of float8 between). */
    {"gemm.dot_di", {4, 4, 4}, 1, 8, {2, 4, 8}, 3,
     "CPU path, gemm_dot (A * B^T): rows per register tile"},
    {"gemm.dot_dj", {4, 4, 3}, 1, 8, {0}, 0,
     "CPU path, gemm_dot: columns per register tile"},
    {"gemm.dot_dw", {16, 16, 8}, 4, 16, {0}, 0,
     "CPU path, gemm_dot: vector width (4, 8 or 16) along k"},
    {"gemm.tiled_mwg", {128, 128, 128}, 8, 256, {64, 128}, 2,
     "tiled path: rows of C per work-group (a multiple of tiled_mdimc)"},
    {"gemm.tiled_nwg", {64, 64, 64}, 8, 256, {64, 128}, 2,
     "tiled path: columns of C per work-group (a multiple of tiled_ndimc)"},
    {"gemm.tiled_kwg", {8, 8, 8}, 4, 64, {8, 16}, 2,
     "tiled path: depth of the local-memory panels (a multiple of 4)"},
    {"gemm.tiled_mdimc", {16, 16, 16}, 1, 64, {8, 16}, 2,
     "tiled path: work-group rows (work-group size tiled_mdimc * tiled_ndimc)"},
    {"gemm.tiled_ndimc", {16, 16, 16}, 1, 64, {8, 16}, 2,
     "tiled path: work-group columns"},
    {"gconv.rows_local", {16, 64, 16}, 1, 256, {4, 8, 16, 32, 64}, 5,
     "row-shaped col2im and depthwise row kernels (gconv.item_pixel 0): work-group size (a power of two, at most the rows)"},
    /* CPU: 8 channels share each tap's table entry and addresses (res
       forward on PoCL, one run: the full grid's forward 28.0 -> 18.6 ms
       against a work-item per output row, the fixed 13.7 -> 11.9). */
    {"gconv.col_channels", {8, 8, 8}, 1, 64, {1, 4, 8, 16}, 4,
     "row-shaped column gathers (gconv.item_pixel 0): channels of one image and group per work-item, sharing each tap's table entry and addresses"},
    {"gconv.item_pixel", {0, 1, 0}, 0, 1, {0, 1}, 2,
     "column gathers, fixed and separable col2im, direct depthwise kernels: 0 a row per work-item (CPU shape), 1 an element (GPU shape)"},
    {"gconv.pixel_local", {128, 128, 128}, 32, 256, {64, 128, 256}, 3,
     "GPU-shaped gathers (gconv.item_pixel 1): work-group size (a power of two)"},
    {"gconv.dw_plane", {1, 0, 1}, 0, 1, {1, 0}, 2,
     "adaptive depthwise kernels (gconv.item_pixel 0): 1 the CPU shapes (separable: a plane per work-item, the bilinear reads split by axis; full grid: 16 channels per work-item from a channel-blocked x); 0 a row per work-item"},
    {"gconv.depthwise_direct", {1, 1, 1}, 0, 1, {1, 0}, 2,
     "depthwise convolutions with up to 25 taps: 1 direct kernels, 0 columns and GEMM"},
    {"gconv.packed_columns", {1, 1, 1}, 0, 1, {0}, 0,
     "CPU GEMM path: the gather writes the GEMM's packed layout (0 leaves it to the GEMM)"},
    {"pool.item_pixel", {0, 1, 0}, 0, 1, {0}, 0,
     "fixed-grid pool forward and g_x, separable forward and position gradients: 0 16 outputs, a row or a plane per work-item (CPU shape), 1 an element (GPU shape)"},
    {"stride.item_pixel", {0, 1, 0}, 0, 1, {0}, 0,
     "stride predictor: 0 a line or row per work-item (CPU shape), 1 a work-group per row line and an element per work-item in gx (GPU shape)"},
    /* 12 float16 chains fill AVX-512's registers with room for the
       latency (4 cycles on 2 ports); on AVX2 they are 24 registers of 16,
       so the probe read a third below the peak: 6 chains of 2 registers. */
    {"bench.fma_chains", {12, 12, 6}, 1, 16, {0}, 0,
     "the benchmark's FMA-peak probe: independent float16 FMA chains per work-item"},
    {"pool.sep_row_cache", {1, 1, 1}, 0, 1, {0}, 0,
     "separable pool forward: 1 caches input rows in local memory where they fit, 0 never"},
};
const int ads_tunable_count = (int)(sizeof ads_tunables / sizeof ads_tunables[0]);

const ads_env_var ads_env_vars[ADS_ENV_COUNT] = {
    [ADS_ENV_DEVICE] = {"ADS_DEVICE", "the device spec used when the program passes NULL"},
    [ADS_ENV_CACHE_DIR] = {"ADS_CACHE_DIR",
        "folder of the on-disk kernel binary cache (and of the tuning tables, in `tuning/`); "
        "`off` disables both. Default `$XDG_CACHE_HOME/adastride`, else `~/.cache/adastride` "
        "(the binary cache is off on PoCL unless this is set). An unwritable folder, or one "
        "longer than 4000 characters (the path limit less room for the cache's file names; "
        "never cut to fit), means no disk cache, not an error: with `ADS_PROFILE=1` the "
        "context says why on stderr"},
    [ADS_ENV_CL_DIR] = {"ADS_CL_DIR",
        "load kernel sources from this folder (a checkout's `cl/`) instead of the embedded "
        "copies, for kernel development; the disk cache is then off"},
    [ADS_ENV_MEMORY_BUDGET] = {"ADS_MEMORY_BUDGET",
        "bytes of workspace one call may hold (`256M`, `1G`); larger work is split by batch. "
        "Default: half the device's largest allocation"},
    [ADS_ENV_CHECK] = {"ADS_CHECK",
        "`1` makes every operation read back its float inputs and fail with "
        "`ADS_ERR_NON_FINITE` naming the first NaN or Inf. Sampling positions (`py`, `px`, "
        "`grid`) are not checked: a NaN or infinite position is a valid input that reads 0 "
        "with zero gradient (docs/design.md 1.3); the logits that positions come from are "
        "checked"},
    [ADS_ENV_PROFILE] = {"ADS_PROFILE",
        "`1` records every kernel with profiling events and prints a table (kernel, calls, "
        "total and mean time, share, bytes moved between host and device) when the context "
        "is released"},
    [ADS_ENV_QUEUES] = {"ADS_QUEUES",
        "in-order queues per device (1 to 4, default 2): independent work overlaps across them"},
    [ADS_ENV_DEVICE_WEIGHTS] = {"ADS_DEVICE_WEIGHTS",
        "shares of a split batch per device (`3,1`): one finite number in [0, 1e12] per device "
        "of the context, not all 0, read when a context of several devices is made (an "
        "invalid value fails `ads_context_create` naming the variable; a one-device context "
        "ignores it); default measured by a short calibration"},
    [ADS_ENV_TUNE] = {"ADS_TUNE", "`off` ignores the stored tuning tables (the defaults below apply)"},
    [ADS_ENV_TUNE_SET] = {"ADS_TUNE_SET",
        "`key=value,...` overrides tuning-table entries for experiments (always applies)"},
    [ADS_ENV_GEMM] = {"ADS_GEMM",
        "the dense products' path on every device: `cpu` (or `own`), `tiled` or `clblast`; "
        "unset: the tuning key `gemm.path`"},
    [ADS_ENV_POOL_SEP] = {"ADS_POOL_SEP",
        "`direct` makes the separable pool forward skip its local-memory row cache (the "
        "fallback path, for comparisons; as `pool.sep_row_cache` 0) and the backward's "
        "position gradients keep their row caches in global memory (the path of devices "
        "with too little local memory)"},
    [ADS_ENV_PROGRAM_LOG] = {"ADS_PROGRAM_LOG",
        "a file to which every program build appends its source name and options "
        "(`tools/gpu_resources.py` reads it)"},
    [ADS_ENV_XDG_CACHE_HOME] = {"XDG_CACHE_HOME", ""},
    [ADS_ENV_HOME] = {"HOME", ""},
};
/* clang-format on */

const ads_tunable *ads_tunable_find(const char *key)
{
    for (int i = 0; key && i < ads_tunable_count; i++)
        if (strcmp(ads_tunables[i].key, key) == 0) return &ads_tunables[i];
    return NULL;
}

static const char *const path_names[3] = {"cpu", "tiled", "clblast"};

bool ads_gemm_path_parse(const char *s, int *path)
{
    if (!s) return false;
    if (strcasecmp(s, "own") == 0) s = "cpu"; /* the name before the tiled path */
    for (int i = 0; i < 3; i++)
        if (strcasecmp(s, path_names[i]) == 0) {
            *path = i;
            return true;
        }
    return false;
}

const char *ads_gemm_path_name(int path) { return path >= 0 && path < 3 ? path_names[path] : "?"; }

static void print_candidates(FILE *out, const ads_tunable *t)
{
    if (t->ncand == 0) fputs("-", out);
    for (int c = 0; c < t->ncand; c++) fprintf(out, "%s%d", c ? ", " : "", t->cand[c]);
}

void ads_registry_print_markdown(FILE *out)
{
    fputs("| Variable | Effect |\n|---|---|\n", out);
    for (int i = 0; i < ADS_ENV_COUNT; i++)
        if (ads_env_vars[i].doc[0])
            fprintf(out, "| `%s` | %s |\n", ads_env_vars[i].name, ads_env_vars[i].doc);
    fputs("\n| Tuning key | CPU default | CPU8 default | GPU default | Range | "
          "`adastride tune` tries | Effect |\n|---|---|---|---|---|---|---|\n",
          out);
    for (int i = 0; i < ads_tunable_count; i++) {
        const ads_tunable *t = &ads_tunables[i];
        fprintf(out, "| `%s` | %d | %d | %d | %d to %d | ", t->key, t->def[ADS_CLASS_CPU],
                t->def[ADS_CLASS_CPU8], t->def[ADS_CLASS_GPU], t->lo, t->hi);
        print_candidates(out, t);
        fprintf(out, " | %s |\n", t->doc);
    }
}
