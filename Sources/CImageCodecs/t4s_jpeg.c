#include "t4s_codecs.h"
#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    int truncated;
} t4s_jpeg_error;

static void t4s_jpeg_error_exit(j_common_ptr cinfo) {
    t4s_jpeg_error *error = (t4s_jpeg_error *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    snprintf(error->message, T4S_MESSAGE_SIZE, "%s", buffer);
    longjmp(error->jump, 1);
}

static void t4s_jpeg_emit_message(j_common_ptr cinfo, int level) {
    t4s_jpeg_error *error = (t4s_jpeg_error *)cinfo->err;
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) error->truncated = 1;
        if (error->message[0] == 0) {
            char buffer[JMSG_LENGTH_MAX];
            (*cinfo->err->format_message)(cinfo, buffer);
            snprintf(error->message, T4S_MESSAGE_SIZE, "%s", buffer);
        }
    }
}

static void t4s_jpeg_setup(struct jpeg_decompress_struct *cinfo, t4s_jpeg_error *error, char *message) {
    cinfo->err = jpeg_std_error(&error->base);
    error->base.error_exit = t4s_jpeg_error_exit;
    error->base.emit_message = t4s_jpeg_emit_message;
    error->message = message;
    error->truncated = 0;
    message[0] = 0;
}

int t4s_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_jpeg_image *out) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct cinfo;
    t4s_jpeg_error error;
    t4s_jpeg_setup(&cinfo, &error, out->message);
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    if (setjmp(error.jump)) {
        free(pixels);
        free(row);
        free(out->exif);
        out->exif = NULL;
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    if (max_pixels > 0 && (uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        out->width = cinfo.image_width;
        out->height = cinfo.image_height;
        snprintf(out->message, T4S_MESSAGE_SIZE, "image of %ux%u pixels is over the limit",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        return T4S_TOO_LARGE;
    }
    // Bound libjpeg's own working memory (progressive coefficient buffers and the like).
    cinfo.mem->max_memory_to_use = 1024L * 1024 * 1024;
    for (jpeg_saved_marker_ptr marker = cinfo.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 &&
            memcmp(marker->data, "Exif\0\0", 6) == 0) {
            out->exif = (uint8_t *)malloc(marker->data_length - 6);
            if (out->exif) {
                memcpy(out->exif, marker->data + 6, marker->data_length - 6);
                out->exif_size = marker->data_length - 6;
            }
            break;
        }
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    uint32_t width = cinfo.output_width, height = cinfo.output_height;
    int components = cinfo.output_components;
    pixels = (uint8_t *)malloc((size_t)width * height * 3);
    row = (uint8_t *)malloc((size_t)width * components);
    if (!pixels || !row) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "out of memory");
        longjmp(error.jump, 1);
    }
    while (cinfo.output_scanline < height) {
        uint8_t *target = pixels + (size_t)cinfo.output_scanline * width * 3;
        if (components == 3) {
            JSAMPROW rows[1] = { target };
            jpeg_read_scanlines(&cinfo, rows, 1);
        } else {
            JSAMPROW rows[1] = { row };
            jpeg_read_scanlines(&cinfo, rows, 1);
            for (uint32_t x = 0; x < width; x++) {
                if (components == 4) {
                    // Adobe writes inverted CMYK; K scales the other three.
                    unsigned k = row[4 * x + 3];
                    target[3 * x] = (uint8_t)(row[4 * x] * k / 255);
                    target[3 * x + 1] = (uint8_t)(row[4 * x + 1] * k / 255);
                    target[3 * x + 2] = (uint8_t)(row[4 * x + 2] * k / 255);
                } else {
                    target[3 * x] = target[3 * x + 1] = target[3 * x + 2] = row[x];
                }
            }
        }
        if (error.truncated) break;
    }
    if (!error.truncated) jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->width = width;
    out->height = height;
    out->pixels = pixels;
    out->truncated = error.truncated;
    out->warnings = (int)error.base.num_warnings;
    return 0;
}

int t4s_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                    uint8_t **out, size_t *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    t4s_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    message[0] = 0;
    *out = NULL;
    *out_size = 0;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = t4s_jpeg_error_exit;
    error.message = message;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *target = NULL;
    jpeg_mem_dest(&cinfo, &target, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buffer = target;
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = size;
    return 0;
}
