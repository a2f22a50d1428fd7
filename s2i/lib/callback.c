#include "callback.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "xalloc.h"

#define CALLBACK_TRIES 3
#define CALLBACK_TIMEOUT_S 10L

char *s2i_callback_body(int success, const json_t *labels)
{
  json_t *o = json_pack("{s:b}", "success", success);
  char *text;

  if (labels && json_object_size(labels) > 0)
    json_object_set(o, "labels", (json_t *)labels);
  text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (text == NULL) /* only when out of memory */
    abort();
  return text;
}

static size_t discard(char *buf, size_t size, size_t n, void *ud)
{
  (void)buf;
  (void)ud;
  return size * n;
}

/* One POST; returns the HTTP status, or 0 with errbuf filled when no
 * answer came. */
static long post_once(const char *url, const char *body, char *errbuf)
{
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                                 "application/json");
  long status = 0;
  CURLcode rc;

  errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, CALLBACK_TIMEOUT_S);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  rc = curl_easy_perform(c);
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  else if (errbuf[0] == '\0')
    snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return status;
}

static void pause_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

int s2i_callback_post(const struct s2i_ctx *ctx, const char *url, int success,
                      const json_t *labels)
{
  cleanup_free char *body = s2i_callback_body(success, labels);
  char errbuf[CURL_ERROR_SIZE];
  long status = 0;

  for (int i = 0; i < CALLBACK_TRIES && status == 0; i++) {
    if (i > 0 && s2i_ctx_interrupted(ctx) == 0)
      pause_ms(500L * i);
    status = post_once(url, body, errbuf);
    if (status == 0)
      s2i_log_warn(ctx, "callback %s: try %d of %d: %s", url, i + 1,
                   CALLBACK_TRIES, errbuf);
  }
  if (status == 0)
    return -1;
  if (status >= 300) {
    s2i_log_warn(ctx, "callback %s answered HTTP %ld", url, status);
    return -1;
  }
  s2i_log_debug(ctx, 1, "callback %s answered HTTP %ld", url, status);
  return 0;
}
