/*
 * libFuzzer target: the signature schema parser. Any input must parse or
 * fail cleanly; a schema that parses must give a canonical text that
 * parses again to the very same text (abort otherwise, so libFuzzer keeps
 * the input). Each accepted schema also gets a default instance of its
 * context model encoded, decoded and encoded again, which must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  scale_signature_t *sig = NULL;
  scale_error_t *err = scale_signature_parse((const char *)data, size, "fuzz", &sig);
  if (err) {
    if (!scale_error_message(err)[0]) abort();
    scale_error_delete(err);
    return 0;
  }
  size_t len;
  const char *canon = scale_signature_canonical(sig, &len);
  scale_signature_t *again = NULL;
  err = scale_signature_parse(canon, len, "canonical", &again);
  if (err) abort();
  size_t len2;
  const char *canon2 = scale_signature_canonical(again, &len2);
  if (len != len2 || memcmp(canon, canon2, len) != 0) abort();
  if (strcmp(scale_signature_hash(sig), scale_signature_hash(again)) != 0) abort();

  const scale_sigmodel_t *m = scale_signature_context(sig);
  scale_sigvalue_t *v = NULL;
  if (!scale_sigvalue_new(m, &v)) {
    uint8_t *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    scale_sigvalue_t *w = NULL;
    if (!scale_signature_encode(m, v, &a, &al)) {
      /* Defaults need not satisfy validators (upstream accepts such
       * schemas), so decode may fail; when it succeeds it must agree. */
      scale_error_t *e = scale_signature_decode(m, a, al, &w, NULL);
      if (!e && w && (scale_signature_encode(m, w, &b, &bl) || bl != al || memcmp(a, b, al)))
        abort();
      scale_error_delete(e);
    }
    free(a);
    free(b);
    scale_sigvalue_delete(w);
    scale_sigvalue_delete(v);
  }
  scale_signature_delete(again);
  scale_signature_delete(sig);
  return 0;
}
