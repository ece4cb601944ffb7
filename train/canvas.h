/* A small RGB drawing surface for the demo's picture: rectangles,
   blended lines, 5x7 bitmap text, written out as PNG through libpng. */
#ifndef ADS_TRAIN_CANVAS_H
#define ADS_TRAIN_CANVAS_H

#include <stdint.h>

#include "adastride.h"

typedef struct {
    int w, h;
    uint8_t *rgb; /* w * h * 3 */
} canvas;

typedef struct {
    uint8_t r, g, b;
} color;

int canvas_create(canvas *c, int w, int h, color background); /* 0 on success */
void canvas_free(canvas *c);
void canvas_rect(canvas *c, int x, int y, int w, int h, color col);
/* Blends col over pixel (x, y) with opacity alpha in [0, 1]. */
void canvas_blend(canvas *c, int x, int y, color col, double alpha);
/* An opaque line `thick` pixels wide from (x0,y0) to (x1,y1). */
void canvas_line(canvas *c, double x0, double y0, double x1, double y1, color col, int thick);
/* Blended horizontal and vertical spans. */
void canvas_hline(canvas *c, int x, int y, int w, color col, double alpha);
void canvas_vline(canvas *c, int x, int y, int h, color col, double alpha);
/* Text with the 5x7 font at `scale` pixels per dot; letters print as
   capitals. Returns the width drawn. */
int canvas_text(canvas *c, int x, int y, const char *s, color col, int scale);
ads_status canvas_write_png(const canvas *c, const char *path);

#endif
