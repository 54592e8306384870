// The constants that TypeScript shares with the core — kind numbers, result codes, state word
// indices and encodings — handed over from the headers that define them, so lib/ never copies
// a number by hand (lib/core/layout.ts reads this object; test/layout.test.ts checks the names).
#include <cstddef>

#include "primitives/barrier.h"
#include "primitives/condition.h"
#include "primitives/event.h"
#include "core/layout.h"
#include "primitives/lock.h"
#include "napi/families.h"
#include "napi/run.h"
#include "primitives/queue.h"
#include "primitives/rwlock.h"
#include "primitives/semaphore_core.h"
#include "primitives/weblocks.h"

namespace procsync {

namespace {
Napi::Object object(Napi::Env env, std::initializer_list<std::pair<const char*, double>> fields) {
  Napi::Object o = Napi::Object::New(env);
  for (auto& f : fields) o.Set(f.first, Napi::Number::New(env, f.second));
  return o;
}
}  // namespace

void register_constants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("stateOffset", Napi::Number::New(env, double(kStateOffset)));
  c.Set("infoFields", Napi::Number::New(env, double(SegmentHandle::kInfoFields)));
  c.Set("users", object(env, {{"offset", double(kUsersOffset)}, {"entries", kUserEntries}, {"entrySize", double(kUserEntrySize)}}));
  Napi::Object kinds = Napi::Object::New(env);
  for (uint32_t k = 1; k <= kKindMax; k++) kinds.Set(kKindNames[k], Napi::Number::New(env, k));
  c.Set("kinds", kinds);
  c.Set("codes", object(env, {{"OK", kOk}, {"TIMEOUT", kTimeout}, {"CANCELLED", kCancelled},
                              {"OWNER_DIED", kOwnerDied}, {"BROKEN", Result::kBroken},
                              {"RELEASED_TOO_MANY", kErrReleasedTooMany}, {"NOT_OWNER", kErrNotOwner},
                              {"LOCK_NOT_HELD", kErrLockNotHeld}, {"OUT_OF_RANGE", kErrOutOfRange},
                              {"CORRUPT", kErrCorrupt}, {"CLOSED", kErrClosed},
                              {"MESSAGE_TOO_LARGE", kErrMessageTooLarge}, {"SYS", kErrSys}}));
  c.Set("lock", object(env, {{"ownerWord", kLockOwnerWord}, {"countWord", kRLockCountWord},
                             {"ownerMask", kOwnerMask}, {"waiters", kLockWaiters}}));
  c.Set("semaphore", object(env, {{"valueWord", kSemValueWord}, {"sleepersWord", kSemSleepersWord}}));
  c.Set("event", object(env, {{"stateWord", kEventStateWord}, {"sleepersWord", kEventSleepersWord}}));
  c.Set("condition", object(env, {{"waitingWord", cond::kWaitingWord}, {"slotsWord", cond::kSlotsWord},
                                  {"slotWords", cond::kSlotWords}, {"slotWaiting", cond::kSlotWaiting},
                                  {"maxWaiters", cond::kMaxWaiters}}));
  c.Set("barrier", object(env, {{"stateWord", barrier::kStateWord}, {"countWord", barrier::kCountWord},
                                {"sleepersWord", barrier::kSleepersWord},
                                {"filling", barrier::kStFilling}, {"broken", barrier::kStBroken},
                                {"runAction", barrier::kRunAction}, {"maxParties", barrier::kMaxParties}}));
  c.Set("queue", object(env, {{"canGet", double(QueueReady::kCanGet)}, {"canPut", double(QueueReady::kCanPut)},
                              {"joined", double(QueueReady::kJoined)}, {"maxCapacity", kQueueMaxCapacity},
                              {"maxMaxsize", kQueueMaxMaxsize},
                              // The ring's JS fast path (lib/queue/ring.ts) works on these words.
                              {"putMutexWord", qw::kPutMutex}, {"tailWord", qw::kTail},
                              {"putCountWord", qw::kPutCount}, {"unfinishedWord", qw::kUnfinished},
                              {"putLogValidWord", qw::kPutLogValid}, {"putLogWord", qw::kPutLog},
                              {"getMutexWord", qw::kGetMutex}, {"headWord", qw::kHead},
                              {"getCountWord", qw::kGetCount}, {"getLogValidWord", qw::kGetLogValid},
                              {"getLogWord", qw::kGetLog}, {"getSleepersWord", qw::kGetSleepers},
                              {"putSleepersWord", qw::kPutSleepers}, {"putArmedWord", qw::kPutArmed},
                              {"headerBytes", kQueueHeaderBytes}, {"ringExtra", kQueueRingExtra},
                              {"capacityParamByte", double(offsetof(Header, params) + sizeof(uint32_t))}}));
  c.Set("rwlock", object(env, {{"stateWord", rw::kS}, {"slotsWord", rw::kSlots}, {"read", rw::kRead},
                               {"wait", rw::kWait}, {"countMask", rw::kCount}, {"homeMax", rw::kHomeMax},
                               {"defaultSlots", rw::kDefaultSlots}, {"maxSlots", rw::kMaxSlots}}));
  c.Set("weblocks", object(env, {{"genWord", weblocks::kGen}, {"slotsWord", weblocks::kSlots},
                                 {"slotWords", weblocks::kSlotWords}, {"waiting", weblocks::kWaiting},
                                 {"held", weblocks::kHeld}, {"maxName", weblocks::kMaxNameUnits}}));
  exports.Set("layout", c);
}

}  // namespace procsync
