// A tracing session: BPF objects loaded on demand, their links, the maps
// shared between them (reused by name), and the ring reader. Knows nothing of
// probe names or fields: the engine tells it which objects, programs and maps.
#pragma once
#include <napi.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "map_swap.h"
#include "ring_reader.h"

struct bpf_object;
struct bpf_link;

namespace ebpfsh {

// Bytes of a per-CPU map value for `cpus` CPUs; throws on a CPU count <= 0.
size_t PercpuValueBytes(Napi::Env env, uint32_t value_size, int cpus);

class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Session(const Napi::CallbackInfo &info);
  ~Session() override;

 private:
  // The maps a map-of-maps holds, as its template declares them.
  struct InnerSpec {
    int type;
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    uint32_t flags;
  };
  struct MapInfo {
    int fd;
    uint32_t key_size;
    uint32_t value_size;  // of the inner map's entry 0 for a map of maps
    bool percpu;
    bool of_maps;
    InnerSpec inner;
  };
  struct Link {
    int object;
    bpf_link *link;
  };

  Napi::Value Load(const Napi::CallbackInfo &info);
  Napi::Value Unload(const Napi::CallbackInfo &info);
  Napi::Value UnloadAsync(const Napi::CallbackInfo &info);
  Napi::Value LoadAsync(const Napi::CallbackInfo &info);
  bpf_object *Open(Napi::Env env, const std::string &path, const Napi::Object &opts);
  int Register(Napi::Env env, bpf_object *obj, const std::set<std::string> &shared);
  Napi::Value Attach(const Napi::CallbackInfo &info);
  Napi::Value Detach(const Napi::CallbackInfo &info);
  Napi::Value MapUpdate(const Napi::CallbackInfo &info);
  Napi::Value MapUpdateInPlace(const Napi::CallbackInfo &info);
  Napi::Value MapDelete(const Napi::CallbackInfo &info);
  Napi::Value MapLookup(const Napi::CallbackInfo &info);
  Napi::Value MapKeys(const Napi::CallbackInfo &info);
  void ReplaceInnerMap(Napi::Env env, const std::string &name, const MapInfo &m, const void *key, const void *value);
  Napi::Value LookupInnerMap(Napi::Env env, const std::string &name, const MapInfo &m, const void *key);
  int InnerMapFd(Napi::Env env, const std::string &name, const MapInfo &m, const void *key);
  Napi::Value Start(const Napi::CallbackInfo &info);
  Napi::Value RequestFlush(const Napi::CallbackInfo &info);
  Napi::Value WaitForPrograms(const Napi::CallbackInfo &info);
  Napi::Value SetPaused(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);

  void Release(const Napi::CallbackInfo &info, std::vector<bpf_link *> &links, std::vector<bpf_object *> &objects);
  const MapInfo &SharedMap(Napi::Env env, const std::string &name);
  void DestroyAll();
  static void CleanupHook(void *arg);

  std::map<std::string, MapInfo> shared_;
  std::map<std::string, InnerSpec> inner_specs_;  // by map name, noted at open (libbpf drops the template at load)
  InnerMapSwapper swapper_;
  std::map<int, bpf_object *> objects_;
  std::map<int, Link> links_;
  std::unique_ptr<RingReader> reader_;
  int next_id_ = 1;
  bool hooked_ = false;
  bool closed_ = false;  // DestroyAll ran: a load finishing late is closed, not kept
  napi_env env_ = nullptr;
};

}  // namespace ebpfsh
