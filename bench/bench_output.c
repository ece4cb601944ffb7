/* CSV, JSON and a gnuplot chart of the results. The JSON schema is
   documented in docs/bench.md; tests/check_bench_output.py checks it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define CSV_HEADER                                                                                 \
    "device,driver,workload,network,variant,pass,path,median_ms,min_ms,max_ms,gflops,gbs,"         \
    "fraction_of_peak,ratio_vs_fixed\n"

/* Quotes a CSV field when it holds a comma or a quote. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

bool bench_write_csv(const char *path, const bench_table *tab, const bench_limits *lims, int nlims)
{
    (void)lims, (void)nlims;
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs(CSV_HEADER, f);
    for (int i = 0; i < tab->n; i++) {
        const bench_row *r = &tab->rows[i];
        const char *text[] = {r->device,  r->driver, r->workload, r->network,
                              r->variant, r->pass,   r->path};
        for (int k = 0; k < 7; k++) {
            csv_field(f, text[k]);
            fputc(',', f);
        }
        fprintf(f, "%.4f,%.4f,%.4f,%.3f,%.3f,%.4f,%.4f\n", r->t.median_ms, r->t.min_ms, r->t.max_ms,
                r->gflops, r->gbs, r->frac_peak, r->ratio_vs_fixed);
    }
    return fclose(f) == 0;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_limits(FILE *f, const bench_limits *l)
{
    fputs("    {\"device\": ", f);
    json_string(f, l->device);
    fputs(", \"driver\": ", f);
    json_string(f, l->driver);
    fprintf(f,
            ", \"fma_gflops\": %.3f, \"copy_gbs\": %.3f, \"build_cold_ms\": %.1f, "
            "\"build_cached_ms\": %.1f}",
            l->fma_gflops, l->copy_gbs, l->build_cold_ms, l->build_cached_ms);
}

static void json_row(FILE *f, const bench_row *r)
{
    const char *keys[] = {"device", "driver", "workload", "network", "variant", "pass", "path"};
    const char *vals[] = {r->device,  r->driver, r->workload, r->network,
                          r->variant, r->pass,   r->path};
    fputs("    {", f);
    for (int k = 0; k < 7; k++) {
        fprintf(f, "\"%s\": ", keys[k]);
        json_string(f, vals[k]);
        fputs(", ", f);
    }
    fprintf(f, "\"times_ms\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f}, ", r->t.median_ms,
            r->t.min_ms, r->t.max_ms);
    fprintf(f,
            "\"figures\": {\"gflops\": %.3f, \"gbs\": %.3f, \"fraction_of_peak\": %.4f, "
            "\"ratio_vs_fixed\": %.4f}}",
            r->gflops, r->gbs, r->frac_peak, r->ratio_vs_fixed);
}

bool bench_write_json(const char *path, const bench_table *tab, const bench_limits *lims, int nlims)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs("{\n  \"schema\": \"adastride-bench/1\",\n  \"devices\": [\n", f);
    for (int i = 0; i < nlims; i++) {
        json_limits(f, &lims[i]);
        fputs(i + 1 < nlims ? ",\n" : "\n", f);
    }
    fputs("  ],\n  \"results\": [\n", f);
    for (int i = 0; i < tab->n; i++) {
        json_row(f, &tab->rows[i]);
        fputs(i + 1 < tab->n ? ",\n" : "\n", f);
    }
    fputs("  ]\n}\n", f);
    return fclose(f) == 0;
}

/* Writes one data block per device: workload, separable/fixed forward
   ratio, and the fixed forward fraction of peak. */
static void plot_data(FILE *f, const bench_table *tab, const char *device)
{
    for (int i = 0; i < tab->n; i++) {
        const bench_row *r = &tab->rows[i];
        if (strcmp(r->device, device) || strcmp(r->pass, "forward") ||
            strcmp(r->variant, "separable"))
            continue;
        double fixed_frac = 0;
        for (int k = 0; k < tab->n; k++) {
            const bench_row *q = &tab->rows[k];
            if (!strcmp(q->device, device) && !strcmp(q->workload, r->workload) &&
                !strcmp(q->pass, "forward") && !strcmp(q->variant, "fixed"))
                fixed_frac = q->frac_peak;
        }
        fprintf(f, "\"%s\" %.4f %.4f %.4f\n", r->workload, r->ratio_vs_fixed, fixed_frac,
                r->frac_peak);
    }
    fputs("e\n", f);
}

/* A gnuplot single-quoted string: a quote is written twice. */
static void gnuplot_string(FILE *g, const char *s)
{
    fputc('\'', g);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', g);
        if (*s != '\n') fputc(*s, g);
    }
    fputc('\'', g);
}

bool bench_write_plot(const char *path, const bench_table *tab)
{
    if (tab->n == 0) return false; /* nothing to draw */
    FILE *g = popen("gnuplot 2>&1", "w");
    if (!g) return false;
    /* The devices, in order of first appearance. */
    const char *devices[16];
    int nd = 0;
    for (int i = 0; i < tab->n && nd < 16; i++) {
        bool seen = false;
        for (int k = 0; k < nd; k++) seen = seen || !strcmp(devices[k], tab->rows[i].device);
        if (!seen) devices[nd++] = tab->rows[i].device;
    }
    fputs("set terminal pngcairo size 1400,900 font ',10'\nset output ", g);
    gnuplot_string(g, path);
    fputc('\n', g);
    fputs("set style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.8 border -1\nset xtics rotate by -40\nset grid ytics\n"
          "set key outside right top\nset multiplot layout 2,1\n",
          g);
    fputs(
        "set yrange [0:*]\nset title 'adaptive (separable) / fixed forward time: lower is better'\n"
        "set ylabel 'ratio'\nplot ",
        g);
    for (int d = 0; d < nd; d++) {
        fprintf(g, "%s'-' using 2:xtic(1) title ", d ? ", " : "");
        gnuplot_string(g, devices[d]);
    }
    fputs("\n", g);
    for (int d = 0; d < nd; d++) plot_data(g, tab, devices[d]);
    fputs("set title 'forward: fraction of the device''s measured peak (FMA for conv, copy "
          "bandwidth for pools)'\nset ylabel 'fraction'\nplot ",
          g);
    for (int d = 0; d < nd; d++) {
        char title[300];
        fprintf(g, "%s'-' using 3:xtic(1) title ", d ? ", " : "");
        snprintf(title, sizeof title, "%s fixed", devices[d]);
        gnuplot_string(g, title);
        fputs(", '-' using 4:xtic(1) title ", g);
        snprintf(title, sizeof title, "%s separable", devices[d]);
        gnuplot_string(g, title);
    }
    fputs("\n", g);
    for (int d = 0; d < nd; d++) {
        plot_data(g, tab, devices[d]);
        plot_data(g, tab, devices[d]);
    }
    fputs("unset multiplot\n", g);
    int rc = pclose(g);
    return rc == 0 && access(path, R_OK) == 0;
}
