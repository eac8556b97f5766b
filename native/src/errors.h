// Errors that reach JS carry code (errno name), op, errno and a message that
// names the fix; libbpf's own log is kept so a failed load can show why.
#pragma once
#include <napi.h>
#include <string>

namespace ebpfsh {

// Throws a JS Error for a failed `op` with a positive errno.
[[noreturn]] void ThrowErrno(Napi::Env env, const std::string &op, int err, const std::string &what = "");

// Installs the libbpf print hook (keeps a tail of its messages).
void InstallLibbpfLog();
// Clears and returns the kept libbpf messages.
std::string TakeLibbpfLog();

}  // namespace ebpfsh
