/* The GPU-shaped GEMM: C_b = alpha * op(A_b) * op(B_b) + beta * C_b,
   row-major, any transposes, offsets, pitches and batch strides.

   A work-group of MDIMC x NDIMC work-items computes an MWG x NWG tile of
   C_b. Per step of KWG along k, the group copies a KWG x MWG panel of
   op(A) and a KWG x NWG panel of op(B) into local memory (neighbouring
   work-items read neighbouring addresses of the stored operand, VWA/VWB
   floats at a time), then each work-item multiplies its MWG/MDIMC x
   NWG/NDIMC block of registers. A work-item owns the rows ly + MDIMC*r
   and the columns lx + NDIMC*c of the tile: its local reads of a panel
   row are one address per wave (A) or consecutive addresses (B), and its
   stores to C are consecutive along a row across the work-group.

   Code-shape options (-D), chosen by lib/gemm/gemm_tiled.c:
     MWG, NWG, KWG   the tile of C and the panel depth
     MDIMC, NDIMC    work-group rows and columns (local size NDIMC x MDIMC)
     TA, TB          1: the operand is stored transposed (op(X) = X^T)
     VWA, VWB        1, 2 or 4: the width of the loads along the stored
                     operand's rows; the host passes > 1 only when every
                     row start is that many floats aligned
   The range is (tiles_n * NDIMC, tiles_m * MDIMC, batch): dimension 2 is
   the batch entry. Edges: the panels hold zeros past M, N and K, and only
   elements inside C are stored. */

#ifndef MWG
#define MWG 64
#endif
#ifndef NWG
#define NWG 64
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MDIMC
#define MDIMC 8
#endif
#ifndef NDIMC
#define NDIMC 8
#endif
#ifndef TA
#define TA 0
#endif
#ifndef TB
#define TB 0
#endif
#ifndef VWA
#define VWA 1
#endif
#ifndef VWB
#define VWB 1
#endif

#define WGS (MDIMC * NDIMC)
#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
/* Local pitches one float longer than a panel row: a work-item writing a
   transposed run strides by an odd count, so the run's floats fall in
   different banks. */
#define APITCH (MWG + 1)
#define BPITCH (NWG + 1)
/* Floats in the larger panel. */
#define MAX_PANEL ((MWG > NWG ? MWG : NWG) * KWG)

/* vw consecutive floats of a stored row from p into t[0..vw): one vector
   load when all lie inside (n_in >= vw; p is then vw-aligned, see VWA),
   else the n_in inside and zeros (n_in <= 0: none is read). */
static inline void load_run(global const float *p, int n_in, int vw, float *t)
{
    if (vw == 4 && n_in >= 4) {
        float4 v = *(global const float4 *)p;
        t[0] = v.x, t[1] = v.y, t[2] = v.z, t[3] = v.w;
    } else if (vw == 2 && n_in >= 2) {
        float2 v = *(global const float2 *)p;
        t[0] = v.x, t[1] = v.y;
    } else {
        for (int e = 0; e < vw; e++) t[e] = e < n_in ? p[e] : 0.0f;
    }
}

/* Copies the stored tile rows [r0, r0 + tr) x columns [c0, c0 + tc) of X
   (rows x cols, pitch ld) to local memory, zeros outside X: stored
   (r, c) goes to L[c * pitch + r] when swap (the stored columns are the
   panel's k), else to L[r * pitch + c]. Work-item `lid` copies the runs
   lid, lid + WGS, ...; consecutive runs lie along a stored row. */
static inline void load_tile(global const float *X, long ld, int rows, int cols, int r0,
                             int c0, int tr, int tc, int vw, bool swap, local float *L,
                             int pitch, int lid)
{
    const int runs_per_row = tc / vw, runs = tr * runs_per_row;
    /* A constant trip count (the larger panel's, one float per run), so
       the loop unrolls by the pragma on every compiler; the guard drops
       the turns past this panel's runs. */
    #pragma unroll
    for (int q = 0; q < (MAX_PANEL + WGS - 1) / WGS; q++) {
        const int v = lid + q * WGS;
        if (v < runs) {
            const int r = v / runs_per_row, c = (v % runs_per_row) * vw;
            const int gr = r0 + r, gc = c0 + c;
            const int n_in = gr < rows ? min(vw, cols - gc) : 0;
            float t[4];
            load_run(X + (long)gr * ld + gc, n_in, vw, t);
            for (int e = 0; e < vw; e++)
                L[swap ? (c + e) * pitch + r : r * pitch + c + e] = t[e];
        }
    }
}

/* One work-item: the C elements (i0 + ly + MDIMC*r, j0 + lx + NDIMC*c)
   for r < MWI, c < NWI of batch entry gid(2), from the group's panels. */
__attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
kernel void gemm_tiled(int M, int N, int K, float alpha, float beta,
                       global const float *a, long a_off, long lda, long a_bs,
                       global const float *b, long b_off, long ldb, long b_bs,
                       global float *c, long c_off, long ldc, long c_bs)
{
    local float As[KWG * APITCH];
    local float Bs[KWG * BPITCH];
    const int lx = (int)get_local_id(0), ly = (int)get_local_id(1);
    const int lid = ly * NDIMC + lx;
    const int j0 = (int)get_group_id(0) * NWG, i0 = (int)get_group_id(1) * MWG;
    const long e = get_global_id(2);
    global const float *A = a + a_off + e * a_bs;
    global const float *B = b + b_off + e * b_bs;
    global float *C = c + c_off + e * c_bs;

    float acc[MWI][NWI];
    #pragma unroll
    for (int r = 0; r < MWI; r++)
        #pragma unroll
        for (int s = 0; s < NWI; s++) acc[r][s] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += KWG) {
#if TA
        load_tile(A, lda, K, M, k0, i0, KWG, MWG, VWA, false, As, APITCH, lid);
#else
        load_tile(A, lda, M, K, i0, k0, MWG, KWG, VWA, true, As, APITCH, lid);
#endif
#if TB
        load_tile(B, ldb, N, K, j0, k0, NWG, KWG, VWB, true, Bs, BPITCH, lid);
#else
        load_tile(B, ldb, K, N, k0, j0, KWG, NWG, VWB, false, Bs, BPITCH, lid);
#endif
        barrier(CLK_LOCAL_MEM_FENCE);
        #pragma unroll
        for (int kk = 0; kk < KWG; kk++) {
            float av[MWI], bv[NWI];
            #pragma unroll
            for (int r = 0; r < MWI; r++) av[r] = As[kk * APITCH + ly + MDIMC * r];
            #pragma unroll
            for (int s = 0; s < NWI; s++) bv[s] = Bs[kk * BPITCH + lx + NDIMC * s];
            #pragma unroll
            for (int r = 0; r < MWI; r++)
                #pragma unroll
                for (int s = 0; s < NWI; s++) acc[r][s] = fma(av[r], bv[s], acc[r][s]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    #pragma unroll
    for (int r = 0; r < MWI; r++) {
        const int i = i0 + ly + MDIMC * r;
        #pragma unroll
        for (int s = 0; s < NWI; s++) {
            const int j = j0 + lx + NDIMC * s;
            if (i < M && j < N) {
                global float *p = C + (long)i * ldc + j;
                /* beta == 0 never reads C: it may hold NaN */
                *p = beta == 0.0f ? alpha * acc[r][s] : alpha * acc[r][s] + beta * *p;
            }
        }
    }
}
