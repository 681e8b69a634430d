// Thin C layer over libpng, libjpeg-turbo, libwebp and libtiff. libpng and
// libjpeg report fatal errors by longjmp, which Swift cannot host, and libtiff
// prints them; these functions catch them and return a status code plus a
// message instead.
#ifndef T4S_CODECS_H
#define T4S_CODECS_H

#include <stddef.h>
#include <stdint.h>

#define T4S_MESSAGE_SIZE 256

/// A decoded PNG: samples as stored (palette indices stay indices).
typedef struct {
    uint32_t width;
    uint32_t height;
    int color_type;     // PNG color type of the file (0, 2, 3, 4, 6)
    int bit_depth;      // bit depth of the file
    int channels;       // samples per pixel in `pixels`
    int sample_bytes;   // 1, or 2 for 16-bit files (host byte order)
    uint8_t *pixels;    // malloc'ed; free with t4s_free
    int palette_count;
    uint8_t palette[256 * 3];
    char message[T4S_MESSAGE_SIZE];
} t4s_png_image;

/// Status returned when the header declares more than `max_pixels` pixels;
/// `width` and `height` then hold the declared size and nothing was allocated.
#define T4S_TOO_LARGE 2

/// Returns 0 on success, T4S_TOO_LARGE for an image over `max_pixels`
/// (0: no limit), otherwise 1 and fills `message`.
int t4s_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_png_image *out);

/// Encodes 8-bit (or 16-bit, host order) samples. `color_type` is a PNG
/// color type; for type 3 a palette of `palette_count` RGB triples is written.
/// On success `*out` is malloc'ed and holds `*out_size` bytes.
int t4s_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                   int color_type, int bit_depth,
                   const uint8_t *palette, int palette_count,
                   int compression_level,
                   uint8_t **out, size_t *out_size, char *message);

/// A decoded JPEG as RGB8, with the raw APP1 (Exif) payload if any.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t *pixels;     // width*height*3, malloc'ed
    uint8_t *exif;       // malloc'ed copy of the first APP1 "Exif" payload, or NULL
    size_t exif_size;
    int truncated;       // libjpeg reported premature end of data
    int warnings;
    char message[T4S_MESSAGE_SIZE];
} t4s_jpeg_image;

/// Same statuses as t4s_png_decode; the size is checked after the header, before any pixel is decoded.
int t4s_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_jpeg_image *out);

/// Encodes RGB8 pixels as a baseline JPEG of the given quality (1-100).
int t4s_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                    uint8_t **out, size_t *out_size, char *message);

/// A decoded WebP or TIFF as RGB8 (alpha dropped, gray replicated).
typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t *pixels;     // width*height*3 in stored order, malloc'ed
    int orientation;     // the TIFF orientation tag (1-8, as EXIF's); 1 when absent and for WebP
    char message[T4S_MESSAGE_SIZE];
} t4s_rgb_image;

/// Status for a file of a kind this layer does not decode (animated WebP, 16-bit TIFF…);
/// `message` says which.
#define T4S_UNSUPPORTED 3
/// Status for a file that ends before its image data does.
#define T4S_TRUNCATED 4

/// Decodes a still WebP (lossy or lossless). Statuses: 0, 1 (corrupt), T4S_TOO_LARGE (checked
/// from the header before anything is allocated), T4S_UNSUPPORTED (animated), T4S_TRUNCATED.
int t4s_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_rgb_image *out);

/// Decodes the first page of an 8-bit gray, gray+alpha, RGB, RGBA or palette TIFF, read from
/// memory. Same statuses as t4s_webp_decode; T4S_UNSUPPORTED names what the file is.
int t4s_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_rgb_image *out);

void t4s_free(void *pointer);

/// Keeps glibc from handing large image buffers back to the kernel after each
/// image (and faulting them in again for the next): raises the mmap and trim thresholds.
void t4s_tune_allocator(void);

#endif
