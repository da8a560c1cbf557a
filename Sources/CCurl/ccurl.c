// See include/ccurl.h: libcurl resolved with dlopen/dlsym on first use.
#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *failure = "libcurl was not loaded";
static int ready = 0;

#define RESOLVE(field, name)                                                   \
    do {                                                                       \
        *(void **)(&curl.field) = dlsym(library, name);                        \
        if (curl.field == NULL) {                                              \
            failure = "libcurl.so.4 lacks " name " (libcurl 7.66 or newer is needed)"; \
            return;                                                            \
        }                                                                      \
    } while (0)

static void load_once(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        failure = "libcurl.so.4 could not be opened (install libcurl4, e.g. apt-get install libcurl4-openssl-dev)";
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(multi_init, "curl_multi_init");
    RESOLVE(multi_cleanup, "curl_multi_cleanup");
    RESOLVE(multi_add_handle, "curl_multi_add_handle");
    RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
    RESOLVE(multi_perform, "curl_multi_perform");
    RESOLVE(multi_info_read, "curl_multi_info_read");
    RESOLVE(multi_poll, "curl_multi_poll");
    RESOLVE(multi_setopt, "curl_multi_setopt");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        failure = "curl_global_init failed";
        return;
    }
    failure = NULL;
    ready = 1;
}

const char *ccurl_load(void) {
    pthread_once(&once, load_once);
    return failure;
}

CURL *ccurl_easy_init(void) { return ready ? curl.easy_init() : NULL; }
void ccurl_easy_cleanup(CURL *handle) { if (ready && handle) curl.easy_cleanup(handle); }
void ccurl_easy_reset(CURL *handle) { if (ready && handle) curl.easy_reset(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return ready ? curl.easy_strerror(code) : failure; }
CURLM *ccurl_multi_init(void) { return ready ? curl.multi_init() : NULL; }
void ccurl_multi_cleanup(CURLM *multi) { if (ready && multi) curl.multi_cleanup(multi); }
void ccurl_multi_add_handle(CURLM *multi, CURL *handle) { if (ready) curl.multi_add_handle(multi, handle); }
void ccurl_multi_remove_handle(CURLM *multi, CURL *handle) { if (ready) curl.multi_remove_handle(multi, handle); }
void ccurl_multi_perform(CURLM *multi, int *running) { if (ready) curl.multi_perform(multi, running); else *running = 0; }
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *queued) { return ready ? curl.multi_info_read(multi, queued) : NULL; }
void ccurl_multi_poll(CURLM *multi, int timeout_ms) { if (ready) curl.multi_poll(multi, NULL, 0, timeout_ms, NULL); }
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line) { return ready ? curl.slist_append(list, line) : list; }
void ccurl_slist_free_all(struct curl_slist *list) { if (ready && list) curl.slist_free_all(list); }

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return ready ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return ready ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return ready ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_size(CURL *handle, CURLoption option, curl_off_t value) {
    return ready ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_setopt_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return ready ? curl.easy_setopt(handle, option, callback) : CURLE_FAILED_INIT;
}
CURLcode ccurl_response_code(CURL *handle, long *code) {
    return ready ? curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code) : CURLE_FAILED_INIT;
}
CURLcode ccurl_connect_time(CURL *handle, double *seconds) {
    return ready ? curl.easy_getinfo(handle, CURLINFO_CONNECT_TIME, seconds) : CURLE_FAILED_INIT;
}
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return ready ? curl.multi_setopt(multi, option, value) : CURLM_BAD_HANDLE;
}
