#include "t4s_codecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

static const char *t4s_webp_status(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "decoding suspended";
    case VP8_STATUS_USER_ABORT: return "decoding aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
    default: return "unknown error";
    }
}

int t4s_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, t4s_rgb_image *out) {
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    if (!data || size == 0) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "empty file");
        return T4S_TRUNCATED;
    }
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "libwebp version mismatch");
        return 1;
    }
    // The features come from the headers alone: the size is known before anything is allocated.
    VP8StatusCode status = WebPGetFeatures(data, size, &config.input);
    if (status == VP8_STATUS_NOT_ENOUGH_DATA) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "the header is cut short");
        return T4S_TRUNCATED;
    }
    if (status != VP8_STATUS_OK) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "%s", t4s_webp_status(status));
        return 1;
    }
    if (config.input.width <= 0 || config.input.height <= 0) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "declares an empty image");
        return 1;
    }
    uint32_t width = (uint32_t)config.input.width, height = (uint32_t)config.input.height;
    out->width = width;
    out->height = height;
    if (config.input.has_animation) {
        snprintf(out->message, T4S_MESSAGE_SIZE,
                 "animated WebP (text4seg reads still images; save the frame to label as its own file)");
        return T4S_UNSUPPORTED;
    }
    if (max_pixels > 0 && (uint64_t)width * height > max_pixels) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "image of %ux%u pixels is over the limit", width, height);
        return T4S_TOO_LARGE;
    }
    // WebP caps each side at 16383, so this cannot overflow.
    size_t stride = (size_t)width * 3;
    size_t bytes = stride * height;
    uint8_t *pixels = (uint8_t *)malloc(bytes);
    if (!pixels) {
        snprintf(out->message, T4S_MESSAGE_SIZE, "out of memory");
        return 1;
    }
    // MODE_RGB leaves alpha out: the color samples as stored, not composited on anything.
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = pixels;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = bytes;
    status = WebPDecode(data, size, &config);
    WebPFreeDecBuffer(&config.output);
    if (status != VP8_STATUS_OK) {
        free(pixels);
        snprintf(out->message, T4S_MESSAGE_SIZE, "%s", t4s_webp_status(status));
        return status == VP8_STATUS_NOT_ENOUGH_DATA ? T4S_TRUNCATED : 1;
    }
    out->pixels = pixels;
    return 0;
}
