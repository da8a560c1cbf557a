// libcurl for RouterProxy's upstream client, opened at run time (dlopen) the first time a proxy
// needs it: a router without upstreams never maps libcurl nor the TLS, Kerberos and LDAP
// libraries it pulls in (~9 MiB of resident pages and heap). curl.h (libcurl4-openssl-dev)
// gives the types and constants only; every call goes through the pointers ccurl_load() resolves.
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: the typed
// wrappers below stand in for the few options the client sets.
#ifndef CCURL_H
#define CCURL_H
#include <curl/curl.h>

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

/// Opens libcurl (libcurl.so.4), resolves the functions below and runs curl_global_init, once
/// per process (later calls return the first outcome). NULL when ready, else why not (a
/// static string). Every other function here fails (NULL or CURLE_FAILED_INIT) until it succeeded.
const char *ccurl_load(void);

CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
void ccurl_easy_reset(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
CURLM *ccurl_multi_init(void);
void ccurl_multi_cleanup(CURLM *multi);
void ccurl_multi_add_handle(CURLM *multi, CURL *handle);
void ccurl_multi_remove_handle(CURLM *multi, CURL *handle);
void ccurl_multi_perform(CURLM *multi, int *running);
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *queued);
void ccurl_multi_poll(CURLM *multi, int timeout_ms);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line);
void ccurl_slist_free_all(struct curl_slist *list);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);
CURLcode ccurl_response_code(CURL *handle, long *code);
CURLcode ccurl_connect_time(CURL *handle, double *seconds);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

#endif
