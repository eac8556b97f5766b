#pragma once
#include <napi.h>

namespace ebpfsh {
// ensureTracefs(): mounts tracefs at /sys/kernel/tracing when it is not there
// (libbpf reads tracepoint ids from it). Returns { path, mounted }.
Napi::Value EnsureTracefs(const Napi::CallbackInfo &info);
}
