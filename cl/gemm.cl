/* GEMM kernels: C_b = alpha * op(A_b) * op(B_b) + beta * C_b, row-major.

   Code-shape options (-D):
     GEMM_SIMPLE, GEMM_VEC, GEMM_PACK_B, GEMM_DOT  which kernel to compile
       (one per program: each program is built once per option set)
     TA, TB   1: the operand is stored transposed (op(X) = X^T)
     ST       gemm_simple: a work-item's square register tile
     TM, VW, NV  gemm_vec: TM rows x NV vectors of VW columns per work-item
     PACKED   gemm_vec: B was packed by gemm_pack_b (same VW, NV)
     PACKED_A gemm_vec: op(A) was packed by gemm_pack_a (same TM), so one
              k step reads TM contiguous floats of A (one stream, not TM)
     KU       gemm_vec: the k loop's unroll factor
     ROW_BIAS gemm_vec: add bias[i] (its own offset and batch stride) to
              row i of C where it is stored
     DI, DJ, DW  gemm_dot: DI x DJ outputs per work-item, k read DW at a time
   Shapes, offsets, pitches and batch strides are kernel arguments.
   Every kernel runs a 3-D range: dimension 2 is the batch entry. */

#ifndef TA
#define TA 0
#endif
#ifndef TB
#define TB 0
#endif
#ifndef ST
#define ST 4
#endif
#ifndef TM
#define TM 8
#endif
#ifndef VW
#define VW 16
#endif
#ifndef NV
#define NV 2
#endif
#ifndef PACKED
#define PACKED 0
#endif
#ifndef PACKED_A
#define PACKED_A 0
#endif
#ifndef KU
#define KU 4
#endif
#ifndef ROW_BIAS
#define ROW_BIAS 0
#endif
#ifndef DI
#define DI 4
#endif
#ifndef DJ
#define DJ 4
#endif
#ifndef DW
#define DW 16
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TN (VW * NV)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define DVEC CAT(float, DW)
#define DLOAD CAT(vload, DW)

/* op(A)[i, k] and op(B)[k, j] read from the stored layout. */
#if TA
#define A_AT(A, lda, i, k) (A)[(long)(k) * (lda) + (i)]
#else
#define A_AT(A, lda, i, k) (A)[(long)(i) * (lda) + (k)]
#endif
#if TB
#define B_AT(B, ldb, k, j) (B)[(long)(j) * (ldb) + (k)]
#else
#define B_AT(B, ldb, k, j) (B)[(long)(k) * (ldb) + (j)]
#endif

/* alpha * acc + beta * c, where beta == 0 never reads c (it may hold NaN). */
static inline float gemm_out(float acc, float alpha, float beta, global const float *c)
{
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
}

#ifdef GEMM_SIMPLE
/* One work-item computes an ST x ST tile of C_b (rows ST*gid(0)..,
   columns ST*gid(1)..), any transposes, any sizes (rows_per_item is ST:
   the argument only keeps one signature for every kernel). Rows and columns past
   the edge read a clamped (valid) index and are never stored, so the inner
   loop has no branches. The portable fallback and the edge-free reference
   for the fast kernels. */
kernel void gemm_simple(int M, int N, int K, float alpha, float beta,
                        global const float *a, long a_off, long lda, long a_bs,
                        global const float *b, long b_off, long ldb, long b_bs,
                        global float *c, long c_off, long ldc, long c_bs, int rows_per_item)
{
    (void)rows_per_item;
    const int i0 = (int)get_global_id(0) * ST, j0 = (int)get_global_id(1) * ST;
    const long e = get_global_id(2);
    if (i0 >= M || j0 >= N) return;
    global const float *A = a + a_off + e * a_bs;
    global const float *B = b + b_off + e * b_bs;
    global float *C = c + c_off + e * c_bs;

    int ri[ST], cj[ST];
    #pragma unroll
    for (int t = 0; t < ST; t++) {
        ri[t] = min(i0 + t, M - 1);
        cj[t] = min(j0 + t, N - 1);
    }
    float acc[ST][ST];
    #pragma unroll
    for (int r = 0; r < ST; r++)
        #pragma unroll
        for (int s = 0; s < ST; s++) acc[r][s] = 0.0f;
    for (int k = 0; k < K; k++) {
        float av[ST], bv[ST];
        #pragma unroll
        for (int t = 0; t < ST; t++) {
            av[t] = A_AT(A, lda, ri[t], k);
            bv[t] = B_AT(B, ldb, k, cj[t]);
        }
        #pragma unroll
        for (int r = 0; r < ST; r++)
            #pragma unroll
            for (int s = 0; s < ST; s++) acc[r][s] = fma(av[r], bv[s], acc[r][s]);
    }
    for (int r = 0; r < ST && i0 + r < M; r++)
        for (int s = 0; s < ST && j0 + s < N; s++) {
            global float *p = C + (long)(i0 + r) * ldc + j0 + s;
            *p = gemm_out(acc[r][s], alpha, beta, p);
        }
}
#endif

#ifdef GEMM_VEC
/* op(B) row k, columns jb .. jb+TN-1, as NV vectors. Full: all inside.
   Narrow (N < TN): lanes past N read column N-1 and are never stored. */
static inline void load_b_full(global const float *B, long ldb, int k, int jb, VEC *bv)
{
    #pragma unroll
    for (int v = 0; v < NV; v++) bv[v] = VLOAD(0, B + (long)k * ldb + jb + v * VW);
}

static inline void load_b_narrow(global const float *B, long ldb, int k, int N, VEC *bv)
{
    float t[TN];
    #pragma unroll
    for (int c = 0; c < TN; c++) t[c] = B[(long)k * ldb + min(c, N - 1)];
    #pragma unroll
    for (int v = 0; v < NV; v++) bv[v] = VLOAD(0, t + v * VW);
}

/* Stores columns [j0, j0 + TN) of row i, all inside C. */
static inline void store_full(global float *Ci, int j0, const VEC *acc, float alpha, float beta,
                       float rb)
{
    #pragma unroll
    for (int v = 0; v < NV; v++) {
        global float *p = Ci + j0 + v * VW;
        VEC out = beta == 0.0f ? alpha * acc[v] : alpha * acc[v] + beta * VLOAD(0, p);
        VSTORE(out + rb, 0, p);
    }
}

/* Stores the tile's columns jb + c for c in [from, min(TN, N - jb)). */
static inline void store_part(global float *Ci, int jb, int from, int N, const VEC *acc, float alpha,
                       float beta, float rb)
{
    float t[TN];
    #pragma unroll
    for (int v = 0; v < NV; v++) CAT(vstore, VW)(acc[v], 0, t + v * VW);
    for (int c = from; c < TN && jb + c < N; c++)
        Ci[jb + c] = gemm_out(t[c], alpha, beta, Ci + jb + c) + rb;
}

/* Row i's bias (ROW_BIAS), else 0. */
#if ROW_BIAS
#define ROW_BIAS_AT(RB, i) ((RB)[i])
#else
#define ROW_BIAS_AT(RB, i) 0.0f
#endif

#if PACKED_A && PACKED
/* The micro-kernel (BLIS-style): TM rows x TN columns of C in TM*NV
   VW-wide accumulators (on AVX-512 with TM 12, NV 2: 24 of the 32 zmm
   registers), from a packed A panel (k-major, TM floats per k) and a
   packed B panel (TN floats per k), both read as one contiguous stream;
   each k step is NV vector loads and TM broadcasts for TM*NV FMAs. */
static inline void micro_tile(global const float *Ap, global const float *Bp, int K,
                              VEC acc[TM][NV])
{
    #pragma unroll
    for (int r = 0; r < TM; r++)
        #pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = (VEC)(0.0f);
    #pragma unroll KU
    for (int k = 0; k < K; k++) {
        VEC bv[NV];
        #pragma unroll
        for (int v = 0; v < NV; v++) bv[v] = VLOAD(0, Bp + (long)k * TN + v * VW);
        #pragma unroll
        for (int r = 0; r < TM; r++) {
            VEC av = (VEC)(Ap[(long)k * TM + r]);
            #pragma unroll
            for (int v = 0; v < NV; v++) acc[r][v] = fma(av, bv[v], acc[r][v]);
        }
    }
}
#endif

/* Rows i0 .. i0+TM-1 (clamped to M-1 for reading) by the TN columns of
   the tile at jb, stored for the columns from j0 on (see gemm_vec). */
static inline void vec_tile(global const float *A, long lda, global const float *B, long ldb,
                     int bcol, global float *C, long ldc, int M, int N, int K, int i0, int j0,
                     int jb, bool narrow, float alpha, float beta, global const float *RB)
{
    global const float *ar[TM];
    #pragma unroll
    for (int r = 0; r < TM; r++)
#if TA
        ar[r] = A + min(i0 + r, M - 1);
#else
        ar[r] = A + (long)min(i0 + r, M - 1) * lda;
#endif
    VEC acc[TM][NV];
    #pragma unroll
    for (int r = 0; r < TM; r++)
        #pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = (VEC)(0.0f);

    for (int k = 0; k < K; k++) {
        VEC bv[NV];
        if (narrow)
            load_b_narrow(B, ldb, k, N, bv);
        else
            load_b_full(B, ldb, k, bcol, bv);
        #pragma unroll
        for (int r = 0; r < TM; r++) {
#if TA
            VEC av = (VEC)(ar[r][(long)k * lda]);
#else
            VEC av = (VEC)(ar[r][k]);
#endif
            #pragma unroll
            for (int v = 0; v < NV; v++) acc[r][v] = fma(av, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < TM && i0 + r < M; r++) {
        global float *Ci = C + (long)(i0 + r) * ldc;
        float rb = ROW_BIAS_AT(RB, i0 + r);
        if (!narrow && j0 + TN <= N)
            store_full(Ci, j0, acc[r], alpha, beta, rb);
        else
            store_part(Ci, jb, j0 - jb, N, acc[r], alpha, beta, rb);
    }
}

/* B not transposed (any A): one work-item computes rows_per_item rows
   (a multiple of TM) from rows_per_item*gid(0) on by the columns TN*gid(1)
   .. +TN-1 of C_b, TM rows at a time in VW-wide accumulators: each k
   broadcasts TM values of op(A) against NV vectors of B's row k. The rows
   of one work-item reuse B's column block from cache.
   Edges: rows past M read row M-1 and are not stored; the last column
   tile, when N is no multiple of TN, is shifted left to end at N (so its
   loads stay inside) and stores only the columns no other tile owns;
   N < TN reads clamped columns. With ROW_BIAS, row i of C also gets
   bias[bias_off + e * bias_bs + i] where it is stored. */
kernel void gemm_vec(int M, int N, int K, float alpha, float beta,
                     global const float *a, long a_off, long lda, long a_bs,
                     global const float *b, long b_off, long ldb, long b_bs,
                     global float *c, long c_off, long ldc, long c_bs, int rows_per_item,
                     global const float *bias, long bias_off, long bias_bs)
{
    const int i_begin = (int)get_global_id(0) * rows_per_item, j0 = (int)get_global_id(1) * TN;
    const long e = get_global_id(2);
    if (i_begin >= M || j0 >= N) return;
    global const float *A = a + a_off + e * a_bs;
    global const float *B = b + b_off + e * b_bs;
    global float *C = c + c_off + e * c_bs;
    const int i_end = min(M, i_begin + rows_per_item);
    global const float *RB = bias + bias_off + e * bias_bs; /* read with ROW_BIAS only */
#if PACKED && PACKED_A
    /* a holds op(A) packed by gemm_pack_a (tile i0/TM is K steps of TM),
       b holds op(B) packed by gemm_pack_b (tile j0/TN is K rows of TN). */
    B = b + b_off + e * b_bs + (long)(j0 / TN) * K * TN;
    for (int i0 = i_begin; i0 < i_end; i0 += TM) {
        VEC acc[TM][NV];
        micro_tile(A + (long)(i0 / TM) * K * TM, B, K, acc);
        for (int r = 0; r < TM && i0 + r < M; r++) {
            global float *Ci = C + (long)(i0 + r) * ldc;
            float rb = ROW_BIAS_AT(RB, i0 + r);
            if (j0 + TN <= N)
                store_full(Ci, j0, acc[r], alpha, beta, rb);
            else
                store_part(Ci, j0, 0, N, acc[r], alpha, beta, rb);
        }
    }
#elif PACKED
    /* b holds op(B) packed by gemm_pack_b: tile j0/TN is K rows of TN. */
    B = b + b_off + e * b_bs + (long)(j0 / TN) * K * TN;
    for (int i0 = i_begin; i0 < i_end; i0 += TM)
        vec_tile(A, lda, B, TN, 0, C, ldc, M, N, K, i0, j0, j0, false, alpha, beta, RB);
#else
    const bool narrow = N < TN;
    const int jb = narrow ? 0 : min(j0, N - TN);
    for (int i0 = i_begin; i0 < i_end; i0 += TM)
        vec_tile(A, lda, B, ldb, jb, C, ldc, M, N, K, i0, j0, jb, narrow, alpha, beta, RB);
#endif
}
#endif

#ifdef GEMM_PACK_A
/* One work-item copies step k = gid(0) of op(A)'s row tile gid(1): the TM
   values op(A)[t*TM + r, k] (zeros past M) to the packed layout gemm_vec
   reads with PACKED_A: entry e at p + e * p_bs, tile t, step k at
   (t * K + k) * TM. */
kernel void gemm_pack_a(int M, int K, global const float *a, long a_off, long lda, long a_bs,
                        global float *p, long p_bs)
{
    const int k = (int)get_global_id(0), t = (int)get_global_id(1);
    const long e = get_global_id(2);
    if (k >= K) return;
    global float *dst = p + e * p_bs + ((long)t * K + k) * TM;
    global const float *A = a + a_off + e * a_bs;
    for (int r = 0; r < TM; r++) dst[r] = t * TM + r < M ? A_AT(A, lda, t * TM + r, k) : 0.0f;
}
#endif

#ifdef GEMM_PACK_B
/* One work-item copies row k = gid(0) of op(B)'s column tile gid(1) (TN
   floats, zeros past N) to the packed layout gemm_vec reads with PACKED:
   entry e at p + e * p_bs, tile t, row k at (t * K + k) * TN. */
kernel void gemm_pack_b(int N, int K, global const float *b, long b_off, long ldb, long b_bs,
                        global float *p, long p_bs)
{
    const int k = (int)get_global_id(0), t = (int)get_global_id(1);
    const long e = get_global_id(2);
    if (k >= K) return;
    global float *dst = p + e * p_bs + ((long)t * K + k) * TN;
    global const float *B = b + b_off + e * b_bs;
#if TB
    for (int c = 0; c < TN; c++) dst[c] = t * TN + c < N ? B[(long)(t * TN + c) * ldb + k] : 0.0f;
#else
    global const float *src = B + (long)k * ldb + t * TN;
    if ((t + 1) * TN <= N) {
        #pragma unroll
        for (int v = 0; v < NV; v++) VSTORE(VLOAD(0, src + v * VW), 0, dst + v * VW);
    } else {
        for (int c = 0; c < TN; c++) dst[c] = t * TN + c < N ? src[c] : 0.0f;
    }
#endif
}
#endif

#ifdef GEMM_DOT
/* Horizontal sum of a DW-wide vector, always in the same order. */
static inline float dot_sum(DVEC v)
{
    float t[DW], s = 0.0f;
    CAT(vstore, DW)(v, 0, t);
    #pragma unroll
    for (int l = 0; l < DW; l++) s += t[l];
    return s;
}

/* Rows i0 .. i0+DI-1 by columns j0 .. j0+DJ-1 of A * B^T (see gemm_dot). */
static inline void dot_tile(global const float *A, long lda, global const float *B, long ldb,
                     global float *C, long ldc, int M, int N, int K, int i0, int j0,
                     float alpha, float beta)
{
    global const float *ar[DI], *br[DJ];
    #pragma unroll
    for (int r = 0; r < DI; r++) ar[r] = A + (long)min(i0 + r, M - 1) * lda;
    #pragma unroll
    for (int s = 0; s < DJ; s++) br[s] = B + (long)min(j0 + s, N - 1) * ldb;

    DVEC acc[DI][DJ];
    #pragma unroll
    for (int r = 0; r < DI; r++)
        #pragma unroll
        for (int s = 0; s < DJ; s++) acc[r][s] = (DVEC)(0.0f);
    const int kv = K - K % DW;
    for (int k = 0; k < kv; k += DW) {
        DVEC av[DI], bv[DJ];
        #pragma unroll
        for (int r = 0; r < DI; r++) av[r] = DLOAD(0, ar[r] + k);
        #pragma unroll
        for (int s = 0; s < DJ; s++) bv[s] = DLOAD(0, br[s] + k);
        #pragma unroll
        for (int r = 0; r < DI; r++)
            #pragma unroll
            for (int s = 0; s < DJ; s++) acc[r][s] = fma(av[r], bv[s], acc[r][s]);
    }
    for (int r = 0; r < DI && i0 + r < M; r++)
        for (int s = 0; s < DJ && j0 + s < N; s++) {
            float sum = dot_sum(acc[r][s]);
            for (int k = kv; k < K; k++) sum = fma(ar[r][k], br[s][k], sum);
            global float *p = C + (long)(i0 + r) * ldc + j0 + s;
            *p = gemm_out(sum, alpha, beta, p);
        }
}

/* A not transposed, B transposed (C = A * B^T, both read along k): one
   work-item computes rows_per_item rows (a multiple of DI) from
   rows_per_item*gid(0) on by DJ columns (DJ*gid(1) ..) of C_b, DI x DJ
   dot products at a time, DW values of k per step, then the K % DW tail.
   Rows/columns past the edge read clamped rows and are not stored. */
kernel void gemm_dot(int M, int N, int K, float alpha, float beta,
                     global const float *a, long a_off, long lda, long a_bs,
                     global const float *b, long b_off, long ldb, long b_bs,
                     global float *c, long c_off, long ldc, long c_bs, int rows_per_item)
{
    const int i_begin = (int)get_global_id(0) * rows_per_item, j0 = (int)get_global_id(1) * DJ;
    const long e = get_global_id(2);
    if (i_begin >= M || j0 >= N) return;
    global const float *A = a + a_off + e * a_bs;
    global const float *B = b + b_off + e * b_bs;
    global float *C = c + c_off + e * c_bs;
    const int i_end = min(M, i_begin + rows_per_item);
    for (int i0 = i_begin; i0 < i_end; i0 += DI)
        dot_tile(A, lda, B, ldb, C, ldc, M, N, K, i0, j0, alpha, beta);
}
#endif
