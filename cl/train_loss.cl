/* Softmax cross-entropy over N rows of K logits. */

/* One work-item: row r. loss_rows[r] = log(sum_k exp(z_k - zmax)) -
   (z_label - zmax), and when want_grad, glogits[r,k] = (softmax_k -
   [k == label]) * inv_n. Labels were checked on the host. */
kernel void softmax_xent_rows(global const float *logits, global const float *labels,
                              global float *loss_rows, global float *glogits, int N, int K,
                              float inv_n, int want_grad)
{
    int r = get_global_id(0);
    if (r >= N) return;
    global const float *z = logits + (long)r * K;
    float zmax = z[0];
    for (int k = 1; k < K; k++) zmax = fmax(zmax, z[k]);
    float se = 0.0f;
    for (int k = 0; k < K; k++) se += exp(z[k] - zmax);
    int label = (int)labels[r];
    loss_rows[r] = log(se) - (z[label] - zmax);
    if (!want_grad) return;
    global float *g = glogits + (long)r * K;
    for (int k = 0; k < K; k++)
        g[k] = (exp(z[k] - zmax) / se - (k == label ? 1.0f : 0.0f)) * inv_n;
}

/* One work-item: loss[0] = the mean of the N row losses, summed in row
   order (deterministic). */
kernel void mean_of_rows(global const float *rows, global float *loss, int N)
{
    if (get_global_id(0) != 0) return;
    float s = 0.0f;
    for (int r = 0; r < N; r++) s += rows[r];
    loss[0] = s / (float)N;
}
