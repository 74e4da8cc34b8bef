// Shared by the files that bind image.Image's methods (modimage.c holds the type and its method
// table; image_draw.c, image_convert.c and image_file.c the methods): the argument helpers of
// image_args.c and the method objects the table lists.
#ifndef VISION_IMAGE_BIND_H
#define VISION_IMAGE_BIND_H

#include "py/obj.h"

#include "image_obj.h"

// The Image behind o, or TypeError naming what o is.
image_obj_t *image_self(mp_obj_t o);
// n ints from args[0..]: n positional ints or one tuple/list of n (as MaixPy takes rect()).
// Returns how many positional args were used; TypeError names fn and the counts.
size_t image_ints(const char *fn, size_t n_args, const mp_obj_t *args, size_t n, int *out);
// A keyword argument's value, or dflt.
mp_obj_t image_kw(mp_map_t *kw_args, qstr name, mp_obj_t dflt);
// The colour: rest[0] if given positionally, else color=, else white.
uint32_t image_color_kw(image_obj_t *o, mp_map_t *kw_args, const mp_obj_t *rest, size_t n_rest);
// An int argument: rest[pos] if given positionally, else the keyword name, else dflt.
int image_int_kw(mp_map_t *kw_args, qstr name, const mp_obj_t *rest, size_t n_rest, size_t pos, int dflt);
// v if 1..64, else ValueError naming fn, what and v.
int image_positive_kw(const char *fn, const char *what, int v);
// image.Image(path): want_gray 1 grey, 0 RGB565, -1 as the file is.
mp_obj_t image_load(mp_obj_t path, int want_gray);

MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_rectangle_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_line_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_circle_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_cross_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_string_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_draw_image_obj);
MP_DECLARE_CONST_FUN_OBJ_3(image_resize_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(image_cut_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_copy_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(image_to_grayscale_obj);
MP_DECLARE_CONST_FUN_OBJ_1(image_invert_obj);
MP_DECLARE_CONST_FUN_OBJ_1(image_pix_to_ai_obj);
MP_DECLARE_CONST_FUN_OBJ_KW(image_save_obj);

#endif
