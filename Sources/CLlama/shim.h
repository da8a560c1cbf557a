// llama.cpp's public header, as installed into the project-local prefix by vendor/build-llama.sh.
#include "../../vendor/prefix/include/llama.h"
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>

// Whether `tensor` is the final hidden state ("result_norm": the normed output of the last block,
// the output layer's input, holding the positions that produce output).
static inline bool cllama_is_final_hidden_state(const struct ggml_tensor * tensor) {
    const char * name = ggml_get_name(tensor);
    return name != NULL && strcmp(name, "result_norm") == 0;
}

// The transformer block whose output `tensor` is ("l_out-<block>" in llama.cpp's graphs), or -1.
static inline int cllama_block_output_index(const struct ggml_tensor * tensor) {
    const char * name = ggml_get_name(tensor);
    if (name == NULL || strncmp(name, "l_out-", 6) != 0) return -1;
    return atoi(name + 6);
}

// Copies a float32, contiguous 2-D tensor (rows of ne[0] values) into `destination`, which holds
// `capacity` floats. Returns the rows copied, or -1 if the tensor is not such a tensor or too big.
static inline int64_t cllama_copy_rows(const struct ggml_tensor * tensor, float * destination, int64_t capacity) {
    if (tensor->type != GGML_TYPE_F32 || !ggml_is_contiguous(tensor) || tensor->ne[2] != 1 || tensor->ne[3] != 1) return -1;
    const int64_t count = tensor->ne[0] * tensor->ne[1];
    if (count > capacity) return -1;
    ggml_backend_tensor_get(tensor, destination, 0, (size_t)count * sizeof(float));
    return tensor->ne[1];
}
