// How JS names an open segment in native calls: a number, not the wrapping object.
//
// A call that took the Segment object paid two private-property lookups to resolve it
// (napi_check_object_type_tag, then napi_unwrap): about a third of the Node-API cost of a
// sync wait or a wake (issue 15: a semAcquire with timeout 0 measured 333 ns, mostly that and
// napi_typeof chains). A handle number is resolved by one index into this table.
//
// handle = generation * 2^24 + slot. Closing a handle bumps its slot's generation, so a stale
// number (closed, slot reused by another segment) resolves to nothing rather than to the
// wrong segment. Per environment (each worker thread has its own table and numbers); used only
// on that environment's JS thread, so no locking. Shared with each SegmentHandle (shared_ptr)
// so a handle finalized during environment teardown never outlives the table it frees into.
#pragma once
#include <cstdint>
#include <vector>

namespace procsync {

template <class T>
class HandleSlots {
 public:
  static constexpr uint32_t kSlotBits = 24;
  static constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
  static constexpr uint32_t kGenMask = (1u << 28) - 1;  // 24 + 28 bits: an exact double

  // The number for `p`, or -1 when the table is full (2^24 open handles).
  double add(T* p) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (entries_.size() > kSlotMask) return -1;
      slot = uint32_t(entries_.size());
      entries_.push_back({});
    }
    entries_[slot].p = p;
    return double(uint64_t(entries_[slot].gen) << kSlotBits | slot);
  }

  void remove(double handle) {
    Entry* e = find(handle);
    if (!e) return;
    e->p = nullptr;
    e->gen = (e->gen + 1) & kGenMask;
    free_.push_back(uint32_t(uint64_t(handle) & kSlotMask));
  }

  // The live entry named by `handle`, or nullptr (never issued, stale, or not an integer).
  T* get(double handle) const {
    const Entry* e = const_cast<HandleSlots*>(this)->find(handle);
    return e ? e->p : nullptr;
  }

 private:
  struct Entry {
    T* p = nullptr;
    uint32_t gen = 0;
  };
  Entry* find(double handle) {
    if (!(handle >= 0 && handle < double(1ull << (kSlotBits + 28)))) return nullptr;
    uint64_t x = uint64_t(handle);
    if (double(x) != handle) return nullptr;
    uint32_t slot = uint32_t(x & kSlotMask);
    if (slot >= entries_.size()) return nullptr;
    Entry& e = entries_[slot];
    return e.p && e.gen == uint32_t(x >> kSlotBits) ? &e : nullptr;
  }
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
};

}  // namespace procsync
