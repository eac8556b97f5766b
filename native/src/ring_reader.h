// The one reader thread: drains the shared BPF ring buffer on a short timer
// (or when the kernel's threshold wakeup fires) into one Buffer of framed
// records per flush, handed to JS through a ThreadSafeFunction.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "../../bpf/lib/limits.h"  // MAX_PROBES: the BPF side's own limit, not a copy

struct ring_buffer;

namespace ebpfsh {

constexpr int kMaxProbes = MAX_PROBES;

struct ReaderOptions {
  int flush_ms = 10;
  size_t max_pending_bytes = 64 << 20;  // handed to JS but not yet consumed
  size_t max_batch_bytes = 4 << 20;
  int probe_id_offset = 16;  // u16 in the common header, for per-probe drops
};

// Counters shared with batches in flight to the JS thread (they may outlive the reader).
struct ReaderShared {
  std::atomic<int64_t> pending{0};
  std::atomic<uint64_t> callback_errors{0};
};

class RingReader {
 public:
  RingReader(int map_fd, Napi::ThreadSafeFunction tsfn, ReaderOptions opts);
  ~RingReader();
  RingReader(const RingReader &) = delete;
  RingReader &operator=(const RingReader &) = delete;

  // Returns an errno if libbpf cannot set up the ring (the ThreadSafeFunction is released then).
  int Start();
  // Stops the thread, drains what is left in the kernel ring into a last
  // batch, and releases the ThreadSafeFunction (queued batches still arrive).
  void Stop();
  // Asks the thread to drain the ring now; returns a ticket that Stats'
  // `flushed` reaches once everything in the ring at this call was handed over.
  uint64_t RequestFlush() { return ++flush_requested_; }
  // Test hook: a paused reader leaves records in the kernel ring.
  void SetPaused(bool paused) { paused_ = paused; }
  Napi::Object Stats(Napi::Env env) const;

 private:
  static int OnSample(void *ctx, void *data, size_t size);
  void Loop();
  void DrainAll(bool until_stopped);
  void Flush();
  void NoteError(int n);

  int map_fd_;
  Napi::ThreadSafeFunction tsfn_;
  bool released_ = false;
  ReaderOptions opts_;
  ring_buffer *rb_ = nullptr;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> paused_{false};
  std::vector<uint8_t> batch_;
  std::shared_ptr<ReaderShared> shared_;
  std::atomic<uint64_t> batches_{0}, records_{0}, bytes_{0};
  std::atomic<uint64_t> flush_requested_{0}, flushed_{0};
  std::atomic<uint64_t> poll_errors_{0};
  std::atomic<int> last_poll_errno_{0};
  std::atomic<uint64_t> drops_[kMaxProbes] = {};
  std::atomic<uint64_t> handoff_drops_[kMaxProbes] = {};
};

}  // namespace ebpfsh
