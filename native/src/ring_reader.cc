#include "ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace ebpfsh {
namespace {

// A flushed batch travelling to the JS thread; owns its bytes until the
// Buffer wrapping them is collected.
struct Batch {
  std::vector<uint8_t> data;
  std::shared_ptr<std::atomic<int64_t>> pending;
};

constexpr int kStopDraining = -1000;

void Deliver(Napi::Env env, Napi::Function cb, Batch *batch) {
  int64_t size = static_cast<int64_t>(batch->data.size());
  auto pending = batch->pending;
  if (env != nullptr && cb != nullptr) {
    Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(
        env, batch->data.data(), batch->data.size(), [](Napi::Env, uint8_t *, Batch *b) { delete b; }, batch);
    cb.Call({buf});
  } else {
    delete batch;
  }
  *pending -= size;
}

}  // namespace

RingReader::RingReader(int map_fd, Napi::ThreadSafeFunction tsfn, ReaderOptions opts)
    : map_fd_(map_fd), tsfn_(tsfn), opts_(opts), pending_(std::make_shared<std::atomic<int64_t>>(0)) {}

RingReader::~RingReader() { Stop(); }

int RingReader::Start() {
  rb_ = ring_buffer__new(map_fd_, &RingReader::OnSample, this, nullptr);
  if (!rb_) return errno ? errno : EINVAL;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return 0;
}

void RingReader::Stop() {
  if (running_.exchange(false)) {
    thread_.join();
    tsfn_.Release();
  }
  if (rb_) {
    ring_buffer__free(rb_);
    rb_ = nullptr;
  }
}

// Frames each record as [u32 length][bytes][pad to 8]. Past the pending
// limit the record is dropped and counted against its probe.
int RingReader::OnSample(void *ctx, void *data, size_t size) {
  auto *self = static_cast<RingReader *>(ctx);
  self->records_++;
  if (static_cast<size_t>(*self->pending_) + self->batch_.size() > self->opts_.max_pending_bytes) {
    uint16_t probe = 0;
    if (size >= static_cast<size_t>(self->opts_.probe_id_offset) + 2)
      memcpy(&probe, static_cast<uint8_t *>(data) + self->opts_.probe_id_offset, 2);
    self->drops_[probe % kMaxProbes]++;
    return 0;
  }
  size_t at = self->batch_.size();
  size_t framed = (4 + size + 7) & ~size_t(7);
  self->batch_.resize(at + framed);
  uint32_t len = static_cast<uint32_t>(size);
  memcpy(self->batch_.data() + at, &len, 4);
  memcpy(self->batch_.data() + at + 4, data, size);
  return self->batch_.size() >= self->opts_.max_batch_bytes ? kStopDraining : 0;
}

void RingReader::Flush() {
  if (batch_.empty()) return;
  auto *batch = new Batch{std::move(batch_), pending_};
  batch_ = std::vector<uint8_t>();
  batch_.reserve(64 * 1024);
  *pending_ += static_cast<int64_t>(batch->data.size());
  bytes_ += batch->data.size();
  batches_++;
  if (tsfn_.NonBlockingCall(batch, Deliver) != napi_ok) {
    *pending_ -= static_cast<int64_t>(batch->data.size());
    delete batch;
  }
}

void RingReader::Loop() {
  batch_.reserve(64 * 1024);
  while (running_) {
    if (paused_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(opts_.flush_ms));
      continue;
    }
    // Waits for a threshold wakeup or the timer, then drains what is there.
    int n = ring_buffer__poll(rb_, opts_.flush_ms);
    while (n == kStopDraining || (n = ring_buffer__consume(rb_)) == kStopDraining) {
      Flush();
      n = 0;
      if (!running_) break;
    }
    Flush();
  }
}

Napi::Object RingReader::Stats(Napi::Env env) const {
  Napi::Object out = Napi::Object::New(env);
  out.Set("batches", Napi::Number::New(env, static_cast<double>(batches_)));
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_)));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_)));
  out.Set("pendingBytes", Napi::Number::New(env, static_cast<double>(*pending_)));
  Napi::Array drops = Napi::Array::New(env, kMaxProbes);
  for (int i = 0; i < kMaxProbes; i++) drops.Set(i, Napi::Number::New(env, static_cast<double>(drops_[i])));
  out.Set("queueDrops", drops);
  return out;
}

}  // namespace ebpfsh
