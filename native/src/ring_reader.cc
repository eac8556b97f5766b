#include "ring_reader.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ebpfsh {
namespace {

// A flushed batch travelling to the JS thread; owns its bytes until the
// Buffer wrapping them is collected.
struct Batch {
  std::vector<uint8_t> data;
  std::shared_ptr<ReaderShared> shared;
};

constexpr int kStopDraining = -1000;

// Runs on the JS thread. Whatever the callback does (a throw included), the
// batch leaves the pending budget: a leak here would make the reader drop
// every record once the budget is used up.
void Deliver(Napi::Env env, Napi::Function cb, Batch *batch) {
  int64_t size = static_cast<int64_t>(batch->data.size());
  auto shared = batch->shared;
  if (env != nullptr && cb != nullptr) {
    try {
      Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(
          env, batch->data.data(), batch->data.size(), [](Napi::Env, uint8_t *, Batch *b) { delete b; }, batch);
      cb.Call({buf});
    } catch (const Napi::Error &) {
      // The exception is cleared by catching it; counted, never silent.
      shared->callback_errors++;
    }
  } else {
    delete batch;
  }
  shared->pending -= size;
}

}  // namespace

RingReader::RingReader(int map_fd, Napi::ThreadSafeFunction tsfn, ReaderOptions opts)
    : map_fd_(map_fd), tsfn_(tsfn), opts_(opts), shared_(std::make_shared<ReaderShared>()) {}

RingReader::~RingReader() { Stop(); }

int RingReader::Start() {
  rb_ = ring_buffer__new(map_fd_, &RingReader::OnSample, this, nullptr);
  if (!rb_) return errno ? errno : EINVAL;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return 0;
}

void RingReader::Stop() {
  if (running_.exchange(false)) thread_.join();
  // The links are gone by now (Session::DestroyAll): what the ring still
  // holds is the last of it, handed over before the function is released.
  if (rb_) {
    DrainAll(false);
    ring_buffer__free(rb_);
    rb_ = nullptr;
  }
  if (!released_) {
    released_ = true;
    tsfn_.Release();
  }
}

// Frames each record as [u32 length][bytes][pad to 8]. Past the pending
// limit the record is dropped and counted against its probe.
int RingReader::OnSample(void *ctx, void *data, size_t size) {
  auto *self = static_cast<RingReader *>(ctx);
  self->records_++;
  if (static_cast<size_t>(self->shared_->pending) + self->batch_.size() > self->opts_.max_pending_bytes) {
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
  auto *batch = new Batch{std::move(batch_), shared_};
  batch_ = std::vector<uint8_t>();
  batch_.reserve(64 * 1024);
  shared_->pending += static_cast<int64_t>(batch->data.size());
  bytes_ += batch->data.size();
  batches_++;
  if (tsfn_.NonBlockingCall(batch, Deliver) != napi_ok) {
    // JS is going away (or the queue is closed): every record of the batch
    // is lost, and counted against its probe.
    const auto &d = batch->data;
    for (size_t at = 0; at + 4 <= d.size();) {
      uint32_t len;
      memcpy(&len, d.data() + at, 4);
      uint16_t probe = 0;
      if (len >= static_cast<uint32_t>(opts_.probe_id_offset) + 2 && at + 4 + len <= d.size())
        memcpy(&probe, d.data() + at + 4 + opts_.probe_id_offset, 2);
      handoff_drops_[probe % kMaxProbes]++;
      at += (4 + static_cast<size_t>(len) + 7) & ~size_t(7);
    }
    shared_->pending -= static_cast<int64_t>(batch->data.size());
    delete batch;
  }
}

// A failed poll or consume is counted and its errno kept for the engine to report.
void RingReader::NoteError(int n) {
  if (n >= 0 || n == kStopDraining || n == -EINTR) return;
  poll_errors_++;
  last_poll_errno_ = -n;
}

// Consumes everything in the ring, flushing full batches on the way. From
// the thread, a stop request ends it early (Stop drains the rest once the
// links are gone, so a storm cannot hold Stop's join).
void RingReader::DrainAll(bool until_stopped) {
  for (;;) {
    int n = ring_buffer__consume(rb_);
    if (n == kStopDraining) {
      Flush();
      if (until_stopped && !running_) return;
      continue;
    }
    NoteError(n);
    break;
  }
  Flush();
}

// Until the first record arrives (at most kPromptForMs after start) the
// reader drains every millisecond instead of every flush_ms: the kernel
// wakes it only past a threshold, so a quiet ring's first event would wait
// out a whole timer, and a responder's first line is what start-up is
// judged by. Then the timer is flush_ms again.
constexpr int kPromptForMs = 500;

void RingReader::Loop() {
  batch_.reserve(64 * 1024);
  const auto prompt_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kPromptForMs);
  while (running_) {
    uint64_t want = flush_requested_;
    if (paused_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(opts_.flush_ms));
      continue;
    }
    // Waits for a threshold wakeup or the timer (at once when a flush is asked), then drains what is there.
    int wait_ms = records_ == 0 && std::chrono::steady_clock::now() < prompt_until ? std::min(1, opts_.flush_ms) : opts_.flush_ms;
    int n = ring_buffer__poll(rb_, want != flushed_ ? 0 : wait_ms);
    if (n == kStopDraining) Flush();
    else NoteError(n);
    DrainAll(true);
    flushed_ = want;
  }
}

Napi::Object RingReader::Stats(Napi::Env env) const {
  Napi::Object out = Napi::Object::New(env);
  out.Set("batches", Napi::Number::New(env, static_cast<double>(batches_)));
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_)));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_)));
  out.Set("pendingBytes", Napi::Number::New(env, static_cast<double>(shared_->pending)));
  out.Set("flushed", Napi::Number::New(env, static_cast<double>(flushed_)));
  out.Set("callbackErrors", Napi::Number::New(env, static_cast<double>(shared_->callback_errors)));
  out.Set("pollErrors", Napi::Number::New(env, static_cast<double>(poll_errors_)));
  out.Set("lastPollErrno", Napi::Number::New(env, last_poll_errno_));
  Napi::Array drops = Napi::Array::New(env, kMaxProbes);
  Napi::Array handoff = Napi::Array::New(env, kMaxProbes);
  for (int i = 0; i < kMaxProbes; i++) {
    drops.Set(i, Napi::Number::New(env, static_cast<double>(drops_[i])));
    handoff.Set(i, Napi::Number::New(env, static_cast<double>(handoff_drops_[i])));
  }
  out.Set("queueDrops", drops);
  out.Set("handoffDrops", handoff);
  return out;
}

}  // namespace ebpfsh
