#include "t4s_codecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} t4s_png_reader;

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} t4s_png_writer;

static void t4s_png_error(png_structp png, png_const_charp message) {
    char *buffer = (char *)png_get_error_ptr(png);
    if (buffer) {
        snprintf(buffer, T4S_MESSAGE_SIZE, "%s", message);
    }
    png_longjmp(png, 1);
}

static void t4s_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void t4s_png_read_data(png_structp png, png_bytep out, png_size_t length) {
    t4s_png_reader *reader = (t4s_png_reader *)png_get_io_ptr(png);
    if (reader->offset + length > reader->size) {
        png_error(png, "unexpected end of file (truncated PNG)");
    }
    memcpy(out, reader->data + reader->offset, length);
    reader->offset += length;
}

int t4s_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_png_image *out) {
    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "not a PNG file (bad signature)");
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out->message, t4s_png_error, t4s_png_warning);
    if (!png) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(out->message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    t4s_png_reader reader = { data, size, 0 };
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        if (out->message[0] == 0) snprintf(out->message, T4S_MESSAGE_SIZE, "corrupt PNG");
        return 1;
    }
    png_set_read_fn(png, &reader, t4s_png_read_data);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    out->width = width;
    out->height = height;
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    if (max_pixels > 0 && (uint64_t)width * height > max_pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        snprintf(out->message, T4S_MESSAGE_SIZE, "image of %ux%u pixels is over the limit", width, height);
        return T4S_TOO_LARGE;
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette = NULL;
        int count = 0;
        if (png_get_PLTE(png, info, &palette, &count) && palette) {
            if (count > 256) count = 256;
            for (int i = 0; i < count; i++) {
                out->palette[3 * i] = palette[i].red;
                out->palette[3 * i + 1] = palette[i].green;
                out->palette[3 * i + 2] = palette[i].blue;
            }
            out->palette_count = count;
        }
    }
    // Keep values as stored: unpack sub-byte samples without scaling them.
    if (bit_depth < 8) png_set_packing(png);
    if (bit_depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png);
    }
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    out->channels = channels;
    out->sample_bytes = bit_depth == 16 ? 2 : 1;
    if (height == 0 || rowbytes == 0 || (size_t)height > SIZE_MAX / rowbytes) {
        png_error(png, "image too large");
    }
    pixels = (uint8_t *)malloc(rowbytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + rowbytes * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = pixels;
    return 0;
}

static void t4s_png_write_data(png_structp png, png_bytep data, png_size_t length) {
    t4s_png_writer *writer = (t4s_png_writer *)png_get_io_ptr(png);
    if (writer->size + length > writer->capacity) {
        size_t capacity = writer->capacity ? writer->capacity : 4096;
        while (capacity < writer->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(writer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, data, length);
    writer->size += length;
}

static void t4s_png_flush(png_structp png) { (void)png; }

int t4s_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int color_type, int bit_depth,
                   const uint8_t *palette, int palette_count,
                   int compression_level,
                   uint8_t **out, size_t *out_size, char *message) {
    message[0] = 0;
    *out = NULL;
    *out_size = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, t4s_png_error, t4s_png_warning);
    if (!png) {
        snprintf(message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    t4s_png_writer writer = { NULL, 0, 0, 0 };
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        free(rows);
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        if (message[0] == 0) snprintf(message, T4S_MESSAGE_SIZE, "PNG encoding failed");
        return 1;
    }
    png_set_write_fn(png, &writer, t4s_png_write_data, t4s_png_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, bit_depth, color_type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        int count = palette_count > 256 ? 256 : palette_count;
        for (int i = 0; i < count; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, entries, count);
        // Palette images compress best unfiltered.
        png_set_filter(png, 0, PNG_FILTER_NONE);
    }
    png_write_info(png, info);
    if (bit_depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png);
    }
    int channels = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGBA ? 4 : 1;
    size_t rowbytes = (size_t)width * channels * (bit_depth == 16 ? 2 : 1);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + rowbytes * y);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return 0;
}

void t4s_free(void *pointer) { free(pointer); }
