// ebpfsh's native addon: the handles (objects, links, maps, the ring reader)
// over the system libbpf. JS validates and owns the API.
#include <bpf/libbpf.h>
#include <napi.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"
#include "session.h"
#include "tracefs.h"

namespace {

// A negative count is libbpf's errno: thrown, never handed on as a number.
Napi::Value PossibleCpus(const Napi::CallbackInfo &info) {
  int n = libbpf_num_possible_cpus();
  if (n <= 0) ebpfsh::ThrowErrno(info.Env(), "possible cpus", n < 0 ? -n : EINVAL);
  return Napi::Number::New(info.Env(), n);
}

// Test hook: the per-CPU value size for a given CPU count (a negative count throws).
Napi::Value PercpuValueBytes(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, static_cast<double>(ebpfsh::PercpuValueBytes(
                                    env, info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Int32Value())));
}

// exitNow(code): _exit without atexit handlers. Node's own exit restores the
// terminal's modes and aborts when the terminal is gone (tcsetattr: EIO).
Napi::Value ExitNow(const Napi::CallbackInfo &info) {
  _exit(info[0].As<Napi::Number>().Int32Value());
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ebpfsh::InstallLibbpfLog();
  exports.Set("Session", ebpfsh::Session::Define(env));
  exports.Set("ensureTracefs", Napi::Function::New(env, ebpfsh::EnsureTracefs));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("percpuValueBytes", Napi::Function::New(env, PercpuValueBytes));
  exports.Set("exitNow", Napi::Function::New(env, ExitNow));
  return exports;
}

}  // namespace

NODE_API_MODULE(ebpfsh_native, Init)
