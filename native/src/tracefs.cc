#include "tracefs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>

#include "errors.h"

namespace ebpfsh {
namespace {
constexpr long kTracefsMagic = 0x74726163;
constexpr const char *kTracefs = "/sys/kernel/tracing";

bool IsTracefs(const char *path) {
  struct statfs st;
  return statfs(path, &st) == 0 && st.f_type == kTracefsMagic;
}
}  // namespace

Napi::Value EnsureTracefs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("path", kTracefs);
  if (IsTracefs(kTracefs)) {
    out.Set("mounted", false);
    return out;
  }
  if (mount("nodev", kTracefs, "tracefs", 0, nullptr) != 0)
    ThrowErrno(env, "mount tracefs", errno, "at /sys/kernel/tracing");
  out.Set("mounted", true);
  return out;
}

}  // namespace ebpfsh
