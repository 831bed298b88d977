// Points file descriptor 2 at a file for a while, then back. libtensorflow logs its absl preamble and
// oneDNN notice from static initialisers while tfjs-node's addon is dlopen()ed, straight to fd 2 and
// regardless of TF_CPP_MIN_LOG_LEVEL; JavaScript cannot redirect a descriptor, so this does it for the
// length of that load (src/model/native-load.ts). Every other byte written meanwhile is forwarded.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <node_api.h>

static napi_value fail(napi_env env, const char *what) {
  napi_throw_error(env, NULL, what);
  return NULL;
}

// redirect(path) -> saved descriptor of the old stderr
static napi_value redirect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, "redirect(path) takes a path");
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) return fail(env, "redirect(path): bad path");
  fflush(stderr);
  int saved = dup(2);
  if (saved < 0) return fail(env, "redirect: dup(2) failed");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    close(saved);
    return fail(env, "redirect: cannot open the capture file");
  }
  if (dup2(fd, 2) < 0) {
    close(fd);
    close(saved);
    return fail(env, "redirect: dup2 failed");
  }
  close(fd);
  napi_value out;
  napi_create_int32(env, saved, &out);
  return out;
}

// restore(saved): stderr is the old one again
static napi_value restore(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int saved = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, "restore(fd) takes a descriptor");
  if (napi_get_value_int32(env, argv[0], &saved) != napi_ok || saved < 0) return fail(env, "restore(fd): bad descriptor");
  fflush(stderr);
  int rc = dup2(saved, 2);
  close(saved);
  if (rc < 0) return fail(env, "restore: dup2 failed");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"redirect", NULL, redirect, NULL, NULL, NULL, napi_default, NULL},
    {"restore", NULL, restore, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
