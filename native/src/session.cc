#include "session.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "errors.h"

namespace ebpfsh {
namespace {

std::set<std::string> StringSet(const Napi::Object &opts, const char *key) {
  std::set<std::string> out;
  if (!opts.Has(key)) return out;
  Napi::Array arr = opts.Get(key).As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.insert(arr.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

bool EndsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The running kernel's BTF id of `struct name` (0 when it has none), from
// /sys/kernel/btf/vmlinux, cached for the process. An object loads against a
// minimal BTF for CO-RE (btf_custom_path), whose ids are its own: a kfunc such
// as bpf_rdonly_cast needs the kernel's, so the object takes them as rodata.
uint32_t KernelStructId(const std::string &name) {
  static std::mutex mu;
  static std::map<std::string, uint32_t> ids;
  std::lock_guard<std::mutex> lock(mu);
  auto it = ids.find(name);
  if (it != ids.end()) return it->second;
  struct btf *vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return 0;
  int id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_STRUCT);
  btf__free(vmlinux);
  return ids[name] = id > 0 ? static_cast<uint32_t>(id) : 0;
}

// Prefix of a rodata variable that holds the kernel's BTF id of a struct: targ_btf_dentry is struct dentry's.
constexpr char kKernelIdPrefix[] = "targ_btf_";

// Writes load-time `const volatile` variables by name into .rodata, and every
// targ_btf_<struct> variable the object has (the kernel's id of that struct).
void SetRodata(Napi::Env env, bpf_object *obj, bpf_map *map, const Napi::Object &values) {
  size_t size = 0;
  auto *initial = static_cast<const uint8_t *>(bpf_map__initial_value(map, &size));
  const struct btf *btf = bpf_object__btf(obj);
  if (!initial || !btf) ThrowErrno(env, "set rodata", EINVAL, "(no .rodata or btf)");
  std::vector<uint8_t> data(initial, initial + size);
  int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (sec_id < 0) ThrowErrno(env, "set rodata", EINVAL, "(no .rodata section)");
  const struct btf_type *sec = btf__type_by_id(btf, sec_id);
  const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
  Napi::Array names = values.GetPropertyNames();
  for (uint32_t n = 0; n < names.Length(); n++) {
    std::string name = names.Get(n).As<Napi::String>().Utf8Value();
    bool found = false;
    for (int i = 0; i < btf_vlen(sec); i++) {
      const struct btf_type *var = btf__type_by_id(btf, vs[i].type);
      if (name != btf__name_by_offset(btf, var->name_off)) continue;
      Napi::Value v = values.Get(name);
      uint64_t value = v.IsBigInt() ? v.As<Napi::BigInt>().Uint64Value(nullptr)
                                    : static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
      if (vs[i].offset + vs[i].size > size || vs[i].size > 8) ThrowErrno(env, "set rodata", EINVAL, name);
      memcpy(data.data() + vs[i].offset, &value, vs[i].size);  // little-endian: low bytes first
      found = true;
    }
    if (!found) ThrowErrno(env, "set rodata", ENOENT, name);
  }
  for (int i = 0; i < btf_vlen(sec); i++) {
    const struct btf_type *var = btf__type_by_id(btf, vs[i].type);
    std::string name = btf__name_by_offset(btf, var->name_off);
    if (name.rfind(kKernelIdPrefix, 0) != 0) continue;
    uint32_t id = KernelStructId(name.substr(sizeof(kKernelIdPrefix) - 1));
    if (!id) ThrowErrno(env, "set rodata", ENOENT, name + " (this kernel's BTF has no such struct)");
    if (vs[i].size != sizeof(id) || vs[i].offset + vs[i].size > size) ThrowErrno(env, "set rodata", EINVAL, name);
    memcpy(data.data() + vs[i].offset, &id, sizeof(id));
  }
  int err = bpf_map__set_initial_value(map, data.data(), data.size());
  if (err) ThrowErrno(env, "set rodata", err);
}

// The verifier gives up with EAGAIN when a signal is pending (a profiler's
// SIGPROF, a resize): hold signals for this thread while loading; they are
// delivered right after.
int LoadBlockingSignals(bpf_object *obj) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int err = bpf_object__load(obj);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return err;
}

}  // namespace

// Bytes of one per-CPU lookup: one value per possible CPU, each padded to 8.
// libbpf reports a failure as a negative CPU count: an error, never a size.
size_t PercpuValueBytes(Napi::Env env, uint32_t value_size, int cpus) {
  if (cpus <= 0) ThrowErrno(env, "possible cpus", cpus < 0 ? -cpus : EINVAL, "(cannot size a per-cpu value)");
  return static_cast<size_t>((value_size + 7) & ~7u) * static_cast<size_t>(cpus);
}

Napi::Function Session::Define(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod("load", &Session::Load),
                         InstanceMethod("unload", &Session::Unload),
                         InstanceMethod("unloadAsync", &Session::UnloadAsync),
                         InstanceMethod("loadAsync", &Session::LoadAsync),
                         InstanceMethod("attach", &Session::Attach),
                         InstanceMethod("detach", &Session::Detach),
                         InstanceMethod("mapUpdate", &Session::MapUpdate),
                         InstanceMethod("mapUpdateInPlace", &Session::MapUpdateInPlace),
                         InstanceMethod("mapDelete", &Session::MapDelete),
                         InstanceMethod("mapLookup", &Session::MapLookup),
                         InstanceMethod("mapKeys", &Session::MapKeys),
                         InstanceMethod("start", &Session::Start),
                         InstanceMethod("requestFlush", &Session::RequestFlush),
                         InstanceMethod("waitForPrograms", &Session::WaitForPrograms),
                         InstanceMethod("setPaused", &Session::SetPaused),
                         InstanceMethod("stats", &Session::Stats),
                         InstanceMethod("close", &Session::Close),
                     });
}

Session::Session(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Session>(info) {
  env_ = info.Env();
  // Links are fds, so the kernel detaches them if we die; the hook makes a
  // normal exit tidy too.
  napi_add_env_cleanup_hook(env_, &Session::CleanupHook, this);
  hooked_ = true;
}

Session::~Session() {
  if (hooked_) napi_remove_env_cleanup_hook(env_, &Session::CleanupHook, this);
  DestroyAll();
}

void Session::CleanupHook(void *arg) {
  auto *self = static_cast<Session *>(arg);
  self->hooked_ = false;
  self->DestroyAll();
}

namespace {

// Closing a tracepoint link waits out a grace period in the kernel (~35-70
// ms here), and the kernel takes them one at a time: a profile's ~100 links
// made stopping take seconds. So a child process is handed the links first
// (it inherits them); closing ours is then only a reference drop, and the
// child, once our copies are gone, exits and pays the teardown in its own
// exit, off our path. The kernel filter is already off (detach cleared it,
// and it names one load's instance), so programs still attached until then
// emit nothing. Without a child (fork refused), links are destroyed on
// threads of their own.
void DestroyLinksHere(const std::vector<bpf_link *> &links) {
  std::vector<std::thread> threads;
  threads.reserve(links.size());
  for (bpf_link *l : links) {
    try {
      threads.emplace_back([l] { bpf_link__destroy(l); });
    } catch (const std::system_error &) {
      bpf_link__destroy(l);  // no thread to be had: this one waits its turn
    }
  }
  for (auto &t : threads) t.join();
}

// The child: keeps only `keep` (sorted), waits for the parent to close the
// pipe, exits. Async-signal-safe calls only: it was forked from a
// multi-threaded process.
[[noreturn]] void HoldUntilReleased(const std::vector<int> &keep, int release_fd) {
  unsigned int next = 0;
  for (int fd : keep) {
    if (static_cast<unsigned int>(fd) > next) syscall(__NR_close_range, next, static_cast<unsigned int>(fd) - 1, 0);
    next = static_cast<unsigned int>(fd) + 1;
  }
  syscall(__NR_close_range, next, ~0U, 0);
  char c;
  for (;;) {
    ssize_t n = read(release_fd, &c, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  _exit(0);
}

void DestroyLinks(const std::vector<bpf_link *> &links) {
  if (links.empty()) return;
  std::vector<int> keep;
  for (bpf_link *l : links)
    if (bpf_link__fd(l) >= 0) keep.push_back(bpf_link__fd(l));
  int release[2];
  if (keep.empty() || pipe2(release, O_CLOEXEC) != 0) return DestroyLinksHere(links);
  keep.push_back(release[0]);
  std::sort(keep.begin(), keep.end());
  pid_t child = fork();
  if (child == 0) HoldUntilReleased(keep, release[0]);
  close(release[0]);
  DestroyLinksHere(links);  // reference drops while the child holds the links
  close(release[1]);        // the child sees end of file and exits
  if (child > 0) {
    try {
      std::thread([child] {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
      }).detach();
    } catch (const std::system_error &) {
      // not reaped until we exit: a zombie holds no links
    }
  }
}

}  // namespace

// Links first, so nothing new is emitted; then the reader drains what the
// ring still holds and hands it over before it stops.
void Session::DestroyAll() {
  closed_ = true;
  std::vector<bpf_link *> links;
  for (auto &[id, l] : links_) links.push_back(l.link);
  DestroyLinks(links);
  links_.clear();
  // Stopped, not freed: its counters stay readable after close().
  if (reader_) reader_->Stop();
  for (auto &[id, obj] : objects_) bpf_object__close(obj);
  objects_.clear();
  swapper_.JoinAll();  // they use the maps' fds
  for (auto &[name, m] : shared_) close(m.fd);
  shared_.clear();
}

// Opens `path` and configures it for loading (programs, rodata, shared map
// reuse, sizes). Only the named programs are loaded (autoload off for the
// rest, so one a kernel refuses does not take the others down). Maps named in
// `shared` are reused from earlier objects, or become the session's on first load.
bpf_object *Session::Open(Napi::Env env, const std::string &path, const Napi::Object &opts) {
  std::set<std::string> programs = StringSet(opts, "programs");
  std::set<std::string> shared = StringSet(opts, "shared");
  Napi::Object max_entries = opts.Has("maxEntries") ? opts.Get("maxEntries").As<Napi::Object>() : Napi::Object::New(env);

  // A minimal BTF of just the kernel types our objects relocate against
  // (bpftool gen min_core_btf) makes CO-RE relocation far cheaper.
  std::string btf_path = opts.Has("btfCustomPath") ? opts.Get("btfCustomPath").As<Napi::String>().Utf8Value() : "";
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = btf_path.empty() ? nullptr : btf_path.c_str());
  TakeLibbpfLog();
  bpf_object *obj = bpf_object__open_file(path.c_str(), &open_opts);
  if (!obj) ThrowErrno(env, "open", errno ? errno : ENOENT, path);
  try {
    std::set<std::string> seen;
    bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
      std::string name = bpf_program__name(prog);
      bool want = programs.count(name) > 0;
      if (want) seen.insert(name);
      bpf_program__set_autoload(prog, want);
    }
    for (const auto &p : programs)
      if (!seen.count(p)) ThrowErrno(env, "load", ENOENT, "program " + p + " (not in " + path + ")");

    bpf_map *map;
    bpf_object__for_each_map(map, obj) {
      std::string name = bpf_map__name(map);
      if (bpf_map__is_internal(map)) {
        if (EndsWith(name, ".rodata"))
          SetRodata(env, obj, map, opts.Has("rodata") ? opts.Get("rodata").As<Napi::Object>() : Napi::Object::New(env));
        continue;
      }
      if (const bpf_map *inner = bpf_map__inner_map(map); inner && !inner_specs_.count(name))
        inner_specs_[name] = InnerSpec{bpf_map__type(inner), bpf_map__key_size(inner), bpf_map__value_size(inner),
                                       bpf_map__max_entries(inner), bpf_map__map_flags(inner)};
      auto it = shared_.find(name);
      if (shared.count(name) && it != shared_.end()) {
        int err = bpf_map__reuse_fd(map, it->second.fd);
        if (err) ThrowErrno(env, "load", err, "(reuse map " + name + ")");
      } else if (max_entries.Has(name)) {
        bpf_map__set_max_entries(map, max_entries.Get(name).As<Napi::Number>().Uint32Value());
      }
    }
  } catch (...) {
    bpf_object__close(obj);
    throw;
  }
  return obj;
}

// Takes a loaded object into the session: its `shared` maps that the session
// lacks become the session's. Returns its id; closes it when that fails.
int Session::Register(Napi::Env env, bpf_object *obj, const std::set<std::string> &shared) {
  try {
    bpf_map *map;
    bpf_object__for_each_map(map, obj) {
      std::string name = bpf_map__name(map);
      if (!shared.count(name) || shared_.count(name)) continue;
      // Close-on-exec like every fd libbpf makes: a child we run must not inherit the maps.
      int fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0);
      if (fd < 0) ThrowErrno(env, "load", errno, "(dup map " + name + ")");
      bpf_map_type type = bpf_map__type(map);
      bool percpu = type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
                    type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
      auto inner = inner_specs_.find(name);
      if (inner != inner_specs_.end())
        shared_[name] = MapInfo{fd, bpf_map__key_size(map), inner->second.value_size, false, true, inner->second};
      else
        shared_[name] = MapInfo{fd, bpf_map__key_size(map), bpf_map__value_size(map), percpu, false, {}};
    }
  } catch (...) {
    bpf_object__close(obj);
    throw;
  }
  int id = next_id_++;
  objects_[id] = obj;
  return id;
}

// load(path, { programs, shared, rodata, maxEntries }) -> object id.
Napi::Value Session::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object opts = info[1].As<Napi::Object>();
  bpf_object *obj = Open(env, path, opts);
  int err = LoadBlockingSignals(obj);
  if (err) {
    bpf_object__close(obj);
    ThrowErrno(env, "load", err, path);
  }
  return Napi::Number::New(env, Register(env, obj, StringSet(opts, "shared")));
}

namespace {

// Runs the verifier (bpf_object__load) on a libuv thread: the object was
// opened and configured on the JS thread and reuses only maps the session
// already has, so the load touches nothing the JS thread uses.
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, Napi::Object session, bpf_object *obj, std::set<std::string> shared,
             std::function<int(Napi::Env, bpf_object *, const std::set<std::string> &)> finish)
      : Napi::AsyncWorker(env, "ebpfsh-load"), deferred_(Napi::Promise::Deferred::New(env)), obj_(obj),
        shared_(std::move(shared)), finish_(std::move(finish)) {
    session_ = Napi::Persistent(session);  // the session outlives its loads
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    // A load ahead is background work, and the verifier runs in this thread's
    // context: at the lowest priority it yields to the thread reading the
    // responder's keys and to the host's own work. Restored after (root may
    // raise it again; without CAP_SYS_NICE this pool thread stays low).
    pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
    errno = 0;
    int nice_was = getpriority(PRIO_PROCESS, tid);
    bool lowered = errno == 0 && setpriority(PRIO_PROCESS, tid, 19) == 0;
    err_ = LoadBlockingSignals(obj_);
    // A load parses the kernel's BTF (megabytes, freed at its end) on whichever
    // pool thread runs it, each with its own malloc arena that keeps what was
    // freed: 20 loads ahead held 16-30 MiB of RSS for nothing. Given back here.
    malloc_trim(0);
    if (lowered) setpriority(PRIO_PROCESS, tid, nice_was);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      bpf_object__close(obj_);
      Napi::Error e = Napi::Error::New(env, std::string("load failed: ") + strerror(err_ < 0 ? -err_ : err_));
      e.Set("op", Napi::String::New(env, "load"));
      deferred_.Reject(e.Value());
      return;
    }
    try {
      deferred_.Resolve(Napi::Number::New(env, finish_(env, obj_, shared_)));
    } catch (const Napi::Error &e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference session_;
  bpf_object *obj_;
  std::set<std::string> shared_;
  std::function<int(Napi::Env, bpf_object *, const std::set<std::string> &)> finish_;
  int err_ = 0;
};

}  // namespace

// loadAsync(path, opts) -> Promise<object id>: load, with the verifier off the
// JS thread. Only when every `shared` map exists already (else a second
// instance of one could be made meanwhile): rejects with EAGAIN otherwise.
Napi::Value Session::LoadAsync(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object opts = info[1].As<Napi::Object>();
  std::set<std::string> shared = StringSet(opts, "shared");
  for (const auto &name : shared)
    if (!shared_.count(name)) ThrowErrno(env, "load", EAGAIN, "(map " + name + " not created yet: load synchronously first)");
  bpf_object *obj = Open(env, path, opts);
  auto *worker = new LoadWorker(env, info.This().As<Napi::Object>(), obj, std::move(shared),
                                [this](Napi::Env e, bpf_object *o, const std::set<std::string> &s) {
                                  if (closed_) {
                                    bpf_object__close(o);
                                    ThrowErrno(e, "load", ECANCELED, "(the session is closed)");
                                  }
                                  return Register(e, o, s);
                                });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// Takes the links and objects of `ids` out of the session (they are the caller's to destroy).
void Session::Release(const Napi::CallbackInfo &info, std::vector<bpf_link *> &links, std::vector<bpf_object *> &objects) {
  std::vector<int> ids;
  for (size_t i = 0; i < info.Length(); i++) ids.push_back(info[i].As<Napi::Number>().Int32Value());
  auto named = [&ids](int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  for (auto it = links_.begin(); it != links_.end();) {
    if (named(it->second.object)) {
      links.push_back(it->second.link);
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
  for (int id : ids) {
    auto it = objects_.find(id);
    if (it != objects_.end()) {
      objects.push_back(it->second);
      objects_.erase(it);
    }
  }
}

// unload(id, ...ids): every link of these objects at once (DestroyLinks), then the objects.
Napi::Value Session::Unload(const Napi::CallbackInfo &info) {
  std::vector<bpf_link *> links;
  std::vector<bpf_object *> objects;
  Release(info, links, objects);
  DestroyLinks(links);
  for (bpf_object *obj : objects) bpf_object__close(obj);
  return info.Env().Undefined();
}

namespace {

// Waits out running programs, then destroys links and objects on a libuv
// thread: a detach under a storm costs grace periods (membarrier, link
// teardown) that must not hold the JS thread. The session forgot these
// handles before the worker was queued, so nothing else touches them.
class UnloadWorker : public Napi::AsyncWorker {
 public:
  UnloadWorker(Napi::Env env, std::vector<bpf_link *> links, std::vector<bpf_object *> objects)
      : Napi::AsyncWorker(env, "ebpfsh-unload"), deferred_(Napi::Promise::Deferred::New(env)),
        links_(std::move(links)), objects_(std::move(objects)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    // A program that read the probe's old filter entry has returned after this.
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0) usleep(50 * 1000);
    // Test hook: the unload stays in progress until this file exists (60 s at most).
    static const char *gate = getenv("EBPFSH_TEST_UNLOAD_GATE");
    for (int i = 0; gate && *gate && access(gate, F_OK) != 0 && i < 6000; i++) usleep(10 * 1000);
    DestroyLinks(links_);
    for (bpf_object *obj : objects_) bpf_object__close(obj);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<bpf_link *> links_;
  std::vector<bpf_object *> objects_;
};

}  // namespace

// unloadAsync(id, ...ids) -> Promise: like unload, off the JS thread; the
// promise settles once no program of these objects can still run.
Napi::Value Session::UnloadAsync(const Napi::CallbackInfo &info) {
  std::vector<bpf_link *> links;
  std::vector<bpf_object *> objects;
  Release(info, links, objects);
  auto *worker = new UnloadWorker(info.Env(), std::move(links), std::move(objects));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Session::Attach(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int id = info[0].As<Napi::Number>().Int32Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  // attach(id, program, "category/name"): a tracepoint program on another
  // tracepoint of the same record layout than its section's (one load, one
  // verifier run, for both).
  std::string target = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  auto it = objects_.find(id);
  if (it == objects_.end()) ThrowErrno(env, "attach", EBADF, name);
  bpf_program *prog = bpf_object__find_program_by_name(it->second, name.c_str());
  if (!prog) ThrowErrno(env, "attach", ENOENT, name);
  size_t slash = target.find('/');
  if (!target.empty() && (slash == std::string::npos || slash == 0 || slash + 1 == target.size()))
    ThrowErrno(env, "attach", EINVAL, name + " (tracepoint " + target + " is not category/name)");
  TakeLibbpfLog();
  bpf_link *link = target.empty() ? bpf_program__attach(prog)
                                  : bpf_program__attach_tracepoint(prog, target.substr(0, slash).c_str(), target.substr(slash + 1).c_str());
  long err = libbpf_get_error(link);
  if (!link || err) ThrowErrno(env, "attach", err ? static_cast<int>(err) : errno, name);
  int link_id = next_id_++;
  links_[link_id] = Link{id, link};
  return Napi::Number::New(env, link_id);
}

Napi::Value Session::Detach(const Napi::CallbackInfo &info) {
  int id = info[0].As<Napi::Number>().Int32Value();
  auto it = links_.find(id);
  if (it != links_.end()) {
    bpf_link__destroy(it->second.link);
    links_.erase(it);
  }
  return info.Env().Undefined();
}

const Session::MapInfo &Session::SharedMap(Napi::Env env, const std::string &name) {
  auto it = shared_.find(name);
  if (it == shared_.end()) ThrowErrno(env, "map", ENOENT, name + " (not loaded yet)");
  return it->second;
}

static void CheckSize(Napi::Env env, const std::string &what, size_t got, size_t want) {
  if (got != want)
    ThrowErrno(env, "map", EINVAL, what + " size " + std::to_string(got) + " (want " + std::to_string(want) + ")");
}

Napi::Value Session::MapUpdate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  auto value = info[2].As<Napi::Buffer<uint8_t>>();
  CheckSize(env, name + " key", key.Length(), m.key_size);
  CheckSize(env, name + " value", value.Length(), m.value_size);
  if (m.of_maps) {
    ReplaceInnerMap(env, name, m, key.Data(), value.Data());
    return env.Undefined();
  }
  if (bpf_map_update_elem(m.fd, key.Data(), value.Data(), BPF_ANY)) ThrowErrno(env, "map update", errno, name);
  return env.Undefined();
}

// A map of maps' entry `key` becomes a new inner map holding `value` at index
// 0: programs see the old inner map or the new one whole, never a half-written
// value, and the kernel frees the old one once no program holds it. Returns
// once the new one is in force, without waiting out the grace period.
void Session::ReplaceInnerMap(Napi::Env env, const std::string &name, const MapInfo &m, const void *key, const void *value) {
  const InnerSpec &in = m.inner;
  LIBBPF_OPTS(bpf_map_create_opts, create_opts, .map_flags = in.flags);
  int fd = bpf_map_create(static_cast<bpf_map_type>(in.type), "ebpfsh_slot", in.key_size, in.value_size, in.max_entries, &create_opts);
  if (fd < 0) ThrowErrno(env, "map update", errno, name + " (new inner map)");
  uint32_t zero = 0;
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  int err = bpf_map_update_elem(fd, &zero, value, BPF_ANY) ? errno : 0;
  if (!err && bpf_obj_get_info_by_fd(fd, &info, &len)) err = errno;
  if (err) {
    close(fd);
    ThrowErrno(env, "map update", err, name);
  }
  // In force when this returns; the kernel's grace period is waited out on another thread.
  err = swapper_.Swap(m.fd, key, m.key_size, fd, info.id);
  if (err) ThrowErrno(env, "map update", err, name);
}

Napi::Value Session::MapDelete(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  CheckSize(env, name + " key", key.Length(), m.key_size);
  if (bpf_map_delete_elem(m.fd, key.Data())) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    ThrowErrno(env, "map delete", errno, name);
  }
  return Napi::Boolean::New(env, true);
}

// Per-CPU maps return one value per possible CPU, each padded to 8 bytes.
Napi::Value Session::MapLookup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  CheckSize(env, name + " key", key.Length(), m.key_size);
  if (m.of_maps) return LookupInnerMap(env, name, m, key.Data());
  size_t size = m.percpu ? PercpuValueBytes(env, m.value_size, libbpf_num_possible_cpus()) : m.value_size;
  std::vector<uint8_t> value(size);
  if (bpf_map_lookup_elem(m.fd, key.Data(), value.data())) {
    if (errno == ENOENT) return env.Null();
    ThrowErrno(env, "map lookup", errno, name);
  }
  return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
}

// Writes over entry 0 of the inner map in force at `key` of a map of maps,
// without a swap: no new map, no grace period (a detach turning a probe off).
// A program may read a mix of the old and new bytes, so the new value may
// differ from the old in one byte at most; anything more is refused.
Napi::Value Session::MapUpdateInPlace(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  if (!m.of_maps) return MapUpdate(info);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  auto value = info[2].As<Napi::Buffer<uint8_t>>();
  CheckSize(env, name + " key", key.Length(), m.key_size);
  CheckSize(env, name + " value", value.Length(), m.value_size);
  int fd = InnerMapFd(env, name, m, key.Data());
  if (fd < 0) ThrowErrno(env, "map update", ENOENT, name + " (no entry to write in place)");
  std::vector<uint8_t> old(m.value_size);
  uint32_t zero = 0;
  int err = bpf_map_lookup_elem(fd, &zero, old.data()) ? errno : 0;
  size_t differ = 0;
  for (size_t i = 0; i < old.size(); i++) differ += old[i] != value.Data()[i];
  if (!err && differ <= 1 && bpf_map_update_elem(fd, &zero, value.Data(), BPF_ANY)) err = errno;
  close(fd);
  if (err) ThrowErrno(env, "map update", err, name);
  if (differ > 1) ThrowErrno(env, "map update", EINVAL, name + " (in place: more than one byte would change)");
  return env.Undefined();
}

// An fd of the inner map in force at `key` of a map of maps, or -1 where there is none.
int Session::InnerMapFd(Napi::Env env, const std::string &name, const MapInfo &m, const void *key) {
  // An inner map replaced (and freed) between reading its id and opening it: read the entry again.
  for (int attempt = 0; attempt < 8; attempt++) {
    uint32_t id;
    if (bpf_map_lookup_elem(m.fd, key, &id)) {
      if (errno == ENOENT) return -1;
      ThrowErrno(env, "map lookup", errno, name);
    }
    int fd = bpf_map_get_fd_by_id(id);
    if (fd >= 0) return fd;
    if (errno != ENOENT) ThrowErrno(env, "map lookup", errno, name + " (inner map)");
  }
  ThrowErrno(env, "map lookup", EAGAIN, name + " (inner map replaced while read)");
}

// Entry 0 of the inner map at `key` of a map of maps, or null where there is none.
Napi::Value Session::LookupInnerMap(Napi::Env env, const std::string &name, const MapInfo &m, const void *key) {
  int fd = InnerMapFd(env, name, m, key);
  if (fd < 0) return env.Null();
  std::vector<uint8_t> value(m.value_size);
  uint32_t zero = 0;
  int err = bpf_map_lookup_elem(fd, &zero, value.data()) ? errno : 0;
  close(fd);
  if (err) ThrowErrno(env, "map lookup", err, name + " (inner map)");
  return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
}

Napi::Value Session::MapKeys(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  Napi::Array out = Napi::Array::New(env);
  std::vector<uint8_t> key(m.key_size), next(m.key_size);
  void *prev = nullptr;
  uint32_t n = 0;
  while (bpf_map_get_next_key(m.fd, prev, next.data()) == 0) {
    out.Set(n++, Napi::Buffer<uint8_t>::Copy(env, next.data(), next.size()));
    key.swap(next);
    prev = key.data();
  }
  return out;
}

// start(ringMapName, onBatch, { flushMs, maxPendingBytes, probeIdOffset })
Napi::Value Session::Start(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (reader_) return env.Undefined();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const MapInfo &m = SharedMap(env, name);
  Napi::Function cb = info[1].As<Napi::Function>();
  ReaderOptions opts;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    if (o.Has("flushMs")) opts.flush_ms = o.Get("flushMs").As<Napi::Number>().Int32Value();
    if (o.Has("maxPendingBytes")) opts.max_pending_bytes = o.Get("maxPendingBytes").As<Napi::Number>().Int64Value();
    if (o.Has("probeIdOffset")) opts.probe_id_offset = o.Get("probeIdOffset").As<Napi::Number>().Int32Value();
  }
  auto tsfn = Napi::ThreadSafeFunction::New(env, cb, "ebpfsh-ring-reader", 0, 1);
  reader_ = std::make_unique<RingReader>(m.fd, tsfn, opts);
  int err = reader_->Start();
  if (err) {
    // Stop releases the function: an unreleased one would keep Node alive forever.
    reader_.reset();
    ThrowErrno(env, "start reader", err, name);
  }
  return env.Undefined();
}

// requestFlush() -> ticket; stats().flushed reaches it once the ring held at this call was handed over.
Napi::Value Session::RequestFlush(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!reader_) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(reader_->RequestFlush()));
}

// Waits until every program run that started before this call has returned
// (an RCU grace period: BPF programs run under rcu_read_lock). After it, no
// program can still be using a filter entry replaced before the call.
Napi::Value Session::WaitForPrograms(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0) ThrowErrno(env, "membarrier", errno, "(wait for bpf programs)");
  return env.Undefined();
}

Napi::Value Session::SetPaused(const Napi::CallbackInfo &info) {
  if (reader_) reader_->SetPaused(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value Session::Stats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!reader_) return env.Null();
  return reader_->Stats(env);
}

Napi::Value Session::Close(const Napi::CallbackInfo &info) {
  DestroyAll();
  return info.Env().Undefined();
}

}  // namespace ebpfsh
