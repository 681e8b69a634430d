#include "t4s_codecs.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define T4S_TIFF_READS "text4seg reads 8-bit gray, RGB, RGBA and palette TIFF (first page); convert it, e.g. to PNG"

// libtiff reports errors and warnings through process-wide handlers that print to stderr by
// default. Ours print nothing: an error goes to the message buffer of the decode running on
// this thread (the first one, which is the most specific), warnings are dropped.
static _Thread_local char *t4s_tiff_message;
static pthread_once_t t4s_tiff_handlers_once = PTHREAD_ONCE_INIT;

static void t4s_tiff_error(const char *module, const char *format, va_list arguments) {
    (void)module;
    char *target = t4s_tiff_message;
    if (target && target[0] == 0) vsnprintf(target, T4S_MESSAGE_SIZE, format, arguments);
}

static void t4s_tiff_warning(const char *module, const char *format, va_list arguments) {
    (void)module;
    (void)format;
    (void)arguments;
}

static void t4s_tiff_install_handlers(void) {
    TIFFSetErrorHandler(t4s_tiff_error);
    TIFFSetWarningHandler(t4s_tiff_warning);
}

typedef struct {
    const uint8_t *data;
    uint64_t size;
    uint64_t offset;
} t4s_tiff_reader;

static tmsize_t t4s_tiff_read(thandle_t handle, void *buffer, tmsize_t count) {
    t4s_tiff_reader *reader = (t4s_tiff_reader *)handle;
    if (count <= 0 || reader->offset >= reader->size) return 0;
    uint64_t left = reader->size - reader->offset;
    uint64_t n = (uint64_t)count < left ? (uint64_t)count : left;
    memcpy(buffer, reader->data + reader->offset, (size_t)n);
    reader->offset += n;
    return (tmsize_t)n;
}

static tmsize_t t4s_tiff_write(thandle_t handle, void *buffer, tmsize_t count) {
    (void)handle;
    (void)buffer;
    (void)count;
    return -1;
}

static toff_t t4s_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    t4s_tiff_reader *reader = (t4s_tiff_reader *)handle;
    uint64_t position;
    // toff_t is unsigned: a backwards SEEK_CUR arrives wrapped, and unsigned addition unwraps it.
    switch (whence) {
    case SEEK_SET: position = offset; break;
    case SEEK_CUR: position = reader->offset + offset; break;
    case SEEK_END: position = reader->size + offset; break;
    default: return (toff_t)-1;
    }
    if (position > (uint64_t)INT64_MAX) return (toff_t)-1;
    // Past the end is allowed, as for a file; reads there return nothing.
    reader->offset = position;
    return position;
}

static int t4s_tiff_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t t4s_tiff_size(thandle_t handle) { return ((t4s_tiff_reader *)handle)->size; }

static int t4s_tiff_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle;
    (void)base;
    (void)size;
    return 0;
}

static void t4s_tiff_unmap(thandle_t handle, void *base, toff_t size) {
    (void)handle;
    (void)base;
    (void)size;
}

static const char *t4s_tiff_photometric_name(uint16_t photometric) {
    switch (photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK: return "gray";
    case PHOTOMETRIC_RGB: return "RGB";
    case PHOTOMETRIC_PALETTE: return "palette";
    case PHOTOMETRIC_MASK: return "transparency-mask";
    case PHOTOMETRIC_SEPARATED: return "CMYK";
    case PHOTOMETRIC_YCBCR: return "YCbCr";
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
    case PHOTOMETRIC_ITULAB: return "L*a*b*";
    case PHOTOMETRIC_LOGL:
    case PHOTOMETRIC_LOGLUV: return "LogLuv";
    default: return "unknown-color";
    }
}

enum { T4S_TIFF_GRAY, T4S_TIFF_GRAY_INVERTED, T4S_TIFF_RGB, T4S_TIFF_PALETTE };

typedef struct {
    int kind;
    int samples;             // samples a pixel in the file, extra (alpha) samples included
    uint8_t palette[256 * 3];
} t4s_tiff_layout;

// Converts `count` pixels of 8-bit contiguous samples to RGB8.
static void t4s_tiff_convert(const t4s_tiff_layout *layout, const uint8_t *source, uint8_t *target, uint64_t count) {
    int spp = layout->samples;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *s = source + i * spp;
        uint8_t *t = target + i * 3;
        switch (layout->kind) {
        case T4S_TIFF_GRAY: t[0] = t[1] = t[2] = s[0]; break;
        case T4S_TIFF_GRAY_INVERTED: t[0] = t[1] = t[2] = (uint8_t)(255 - s[0]); break;
        case T4S_TIFF_PALETTE: memcpy(t, layout->palette + 3 * s[0], 3); break;
        default: memcpy(t, s, 3); break;
        }
    }
}

// Fills the layout, or returns T4S_UNSUPPORTED with the message naming what the file is.
static int t4s_tiff_check_kind(TIFF *tif, t4s_tiff_layout *layout, char *message) {
    uint16_t bits = 1, samples = 1, format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
    uint16_t photometric = 0, compression = COMPRESSION_NONE;
    if (!TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits) ||
        !TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples) ||
        !TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format) ||
        !TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar) ||
        !TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression) ||
        !TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
        snprintf(message, T4S_MESSAGE_SIZE, "the TIFF lacks its sample layout tags");
        return 1;
    }
    const char *color = t4s_tiff_photometric_name(photometric);
    if (format != SAMPLEFORMAT_UINT) {
        snprintf(message, T4S_MESSAGE_SIZE, "a TIFF of %s samples: " T4S_TIFF_READS,
                 format == SAMPLEFORMAT_IEEEFP ? "floating-point" : format == SAMPLEFORMAT_INT ? "signed" : "complex");
        return T4S_UNSUPPORTED;
    }
    if (bits != 8) {
        snprintf(message, T4S_MESSAGE_SIZE, "a %u-bit %s TIFF: " T4S_TIFF_READS, (unsigned)bits, color);
        return T4S_UNSUPPORTED;
    }
    switch (photometric) {
    case PHOTOMETRIC_MINISBLACK: layout->kind = T4S_TIFF_GRAY; break;
    case PHOTOMETRIC_MINISWHITE: layout->kind = T4S_TIFF_GRAY_INVERTED; break;
    case PHOTOMETRIC_RGB: layout->kind = T4S_TIFF_RGB; break;
    case PHOTOMETRIC_PALETTE: layout->kind = T4S_TIFF_PALETTE; break;
    default:
        snprintf(message, T4S_MESSAGE_SIZE, "a %s TIFF: " T4S_TIFF_READS, color);
        return T4S_UNSUPPORTED;
    }
    if (samples < 1 || (layout->kind == T4S_TIFF_RGB && samples < 3) || (layout->kind == T4S_TIFF_PALETTE && samples != 1)) {
        snprintf(message, T4S_MESSAGE_SIZE, "a %s TIFF with %u samples a pixel: " T4S_TIFF_READS, color, (unsigned)samples);
        return T4S_UNSUPPORTED;
    }
    if (planar != PLANARCONFIG_CONTIG && samples > 1) {
        snprintf(message, T4S_MESSAGE_SIZE, "a TIFF with separate color planes: " T4S_TIFF_READS);
        return T4S_UNSUPPORTED;
    }
    if (!TIFFIsCODECConfigured(compression)) {
        snprintf(message, T4S_MESSAGE_SIZE, "a TIFF compressed with scheme %u, which this libtiff cannot decode", (unsigned)compression);
        return T4S_UNSUPPORTED;
    }
    layout->samples = samples;
    if (layout->kind == T4S_TIFF_PALETTE) {
        uint16_t *red = NULL, *green = NULL, *blue = NULL;
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &red, &green, &blue) || !red || !green || !blue) {
            snprintf(message, T4S_MESSAGE_SIZE, "a palette TIFF without its color map");
            return 1;
        }
        // The colormap holds 16-bit values; some old writers put 8-bit ones there instead.
        int eight = 1;
        for (int i = 0; i < 256; i++) {
            if (red[i] > 255 || green[i] > 255 || blue[i] > 255) eight = 0;
        }
        for (int i = 0; i < 256; i++) {
            layout->palette[3 * i] = (uint8_t)(eight ? red[i] : red[i] >> 8);
            layout->palette[3 * i + 1] = (uint8_t)(eight ? green[i] : green[i] >> 8);
            layout->palette[3 * i + 2] = (uint8_t)(eight ? blue[i] : blue[i] >> 8);
        }
    }
    return 0;
}

// A strip or tile that could not be read: truncated when its data would reach past the end.
static int t4s_tiff_read_failed(TIFF *tif, uint32_t index, uint64_t size, char *message) {
    int error = 0;
    uint64_t offset = TIFFGetStrileOffsetWithErr(tif, index, &error);
    uint64_t count = TIFFGetStrileByteCountWithErr(tif, index, &error);
    if (!error && (offset > size || count > size - offset)) {
        snprintf(message, T4S_MESSAGE_SIZE, "the image data is cut short");
        return T4S_TRUNCATED;
    }
    if (message[0] == 0) snprintf(message, T4S_MESSAGE_SIZE, "cannot decode the image data");
    return 1;
}

static int t4s_tiff_read_strips(TIFF *tif, const t4s_tiff_layout *layout, uint32_t width, uint32_t height, uint64_t size,
                                uint8_t *pixels, char *message) {
    uint32_t per_strip = 0;
    if (!TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &per_strip) || per_strip == 0 || per_strip > height) per_strip = height;
    uint64_t row_bytes = (uint64_t)width * layout->samples;
    if ((uint64_t)TIFFScanlineSize64(tif) != row_bytes) {
        snprintf(message, T4S_MESSAGE_SIZE, "unexpected scanline size");
        return 1;
    }
    uint8_t *buffer = (uint8_t *)malloc((size_t)(row_bytes * per_strip));
    if (!buffer) {
        snprintf(message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    int status = 0;
    for (uint64_t row = 0; row < height && status == 0; row += per_strip) {
        uint64_t rows = height - row < per_strip ? height - row : per_strip;
        uint32_t strip = TIFFComputeStrip(tif, (uint32_t)row, 0);
        tmsize_t need = (tmsize_t)(rows * row_bytes);
        if (strip >= TIFFNumberOfStrips(tif) || TIFFReadEncodedStrip(tif, strip, buffer, need) < need) {
            status = t4s_tiff_read_failed(tif, strip, size, message);
            break;
        }
        t4s_tiff_convert(layout, buffer, pixels + row * width * 3, rows * width);
    }
    free(buffer);
    return status;
}

static int t4s_tiff_read_tiles(TIFF *tif, const t4s_tiff_layout *layout, uint32_t width, uint32_t height, uint64_t size,
                               uint8_t *pixels, char *message) {
    uint32_t tile_width = 0, tile_height = 0;
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height) ||
        tile_width == 0 || tile_height == 0) {
        snprintf(message, T4S_MESSAGE_SIZE, "a tiled TIFF without its tile size");
        return 1;
    }
    // Tiles may overhang the image, but not by so much that one tile outweighs it many times.
    uint64_t tile_pixels = (uint64_t)tile_width * tile_height, image_pixels = (uint64_t)width * height;
    uint64_t bound = 4 * image_pixels > (1u << 20) ? 4 * image_pixels : (1u << 20);
    if (tile_pixels > bound) {
        snprintf(message, T4S_MESSAGE_SIZE, "tiles of %ux%u for an image of %ux%u", tile_width, tile_height, width, height);
        return 1;
    }
    uint64_t tile_bytes = tile_pixels * layout->samples;
    if ((uint64_t)TIFFTileSize64(tif) != tile_bytes) {
        snprintf(message, T4S_MESSAGE_SIZE, "unexpected tile size");
        return 1;
    }
    uint8_t *buffer = (uint8_t *)malloc((size_t)tile_bytes);
    if (!buffer) {
        snprintf(message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    int status = 0;
    for (uint64_t y = 0; y < height && status == 0; y += tile_height) {
        for (uint64_t x = 0; x < width; x += tile_width) {
            uint32_t tile = TIFFComputeTile(tif, (uint32_t)x, (uint32_t)y, 0, 0);
            if (tile >= TIFFNumberOfTiles(tif) || TIFFReadEncodedTile(tif, tile, buffer, (tmsize_t)tile_bytes) < (tmsize_t)tile_bytes) {
                status = t4s_tiff_read_failed(tif, tile, size, message);
                break;
            }
            uint64_t rows = height - y < tile_height ? height - y : tile_height;
            uint64_t columns = width - x < tile_width ? width - x : tile_width;
            for (uint64_t r = 0; r < rows; r++) {
                t4s_tiff_convert(layout, buffer + r * tile_width * layout->samples, pixels + ((y + r) * width + x) * 3, columns);
            }
        }
    }
    free(buffer);
    return status;
}

int t4s_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_rgb_image *out) {
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    if (!data || size < 8) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "the header is cut short");
        return T4S_TRUNCATED;
    }
    if (pthread_once(&t4s_tiff_handlers_once, t4s_tiff_install_handlers) != 0) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "cannot set up libtiff");
        return 1;
    }
    char *outer = t4s_tiff_message;
    t4s_tiff_message = out->message;
    t4s_tiff_reader reader = { data, size, 0 };
    // "m": no memory mapping, every read goes through t4s_tiff_read's bounds.
    TIFF *tif = TIFFClientOpen("TIFF", "rm", (thandle_t)&reader, t4s_tiff_read, t4s_tiff_write, t4s_tiff_seek,
                               t4s_tiff_close, t4s_tiff_size, t4s_tiff_map, t4s_tiff_unmap);
    if (!tif) {
        if (out->message[0] == 0) snprintf(out->message, T4S_MESSAGE_SIZE, "not a readable TIFF");
        t4s_tiff_message = outer;
        return 1;
    }
    int status = 0;
    uint8_t *pixels = NULL;
    uint32_t width = 0, height = 0;
    uint16_t orientation = ORIENTATION_TOPLEFT;
    t4s_tiff_layout layout;
    memset(&layout, 0, sizeof(layout));
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height) || width == 0 ||
        height == 0) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "the TIFF declares no image size");
        status = 1;
        goto done;
    }
    out->width = width;
    out->height = height;
    status = t4s_tiff_check_kind(tif, &layout, out->message);
    if (status != 0) goto done;
    uint64_t count = (uint64_t)width * height;
    if (max_pixels > 0 && count > max_pixels) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "image of %ux%u pixels is over the limit", width, height);
        status = T4S_TOO_LARGE;
        goto done;
    }
    if (count > SIZE_MAX / 4) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "image too large");
        status = 1;
        goto done;
    }
    if (TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation) && orientation >= 1 && orientation <= 8) {
        out->orientation = orientation;
    }
    pixels = (uint8_t *)malloc((size_t)(count * 3));
    if (!pixels) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "out of memory");
        status = 1;
        goto done;
    }
    status = TIFFIsTiled(tif) ? t4s_tiff_read_tiles(tif, &layout, width, height, size, pixels, out->message)
                              : t4s_tiff_read_strips(tif, &layout, width, height, size, pixels, out->message);
done:
    TIFFClose(tif);
    t4s_tiff_message = outer;
    if (status != 0) {
        free(pixels);
        return status;
    }
    out->pixels = pixels;
    return 0;
}
