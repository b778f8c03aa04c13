// Internal to moderation/: the one way the service changes moderation state.
// commit_audited() runs a change and appends the audit entries that record it
// in a single database transaction, so an entry is written exactly when the
// change it records is committed.
//
// The change itself never touches the audit log: it returns what it made
// together with its audit records, and only if it succeeded are they appended.
// Appending last also means the log's append lock (on PostgreSQL an advisory
// lock held until commit, shared by every writer) is always the last lock a
// transaction takes, and is held only from the first append to the commit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "moderation/service_internal.hpp"
#include "store/database.hpp"

namespace serendip::moderation::detail {

// What a change made (`value`) and the entries that record it, appended in
// this order after the change. May be empty when the change found nothing to
// do (prioritizing a device with no pending reports).
template <class T>
struct Audited {
  using value_type = T;
  T value;
  std::vector<store::AuditRecord> audit;
};

template <>
struct Audited<void> {
  using value_type = void;
  std::vector<store::AuditRecord> audit;
};

// Runs `change` (a callable returning Outcome<Audited<T>>) inside one
// transaction of `db` and returns Outcome<T>:
//  - `change` returns a Failure: everything it did is rolled back, nothing is
//    appended, and that Failure comes back unchanged (its code and message
//    are what the client sees);
//  - an append fails: the change is rolled back too, and the store error
//    comes back mapped as from_store(error, "audit");
//  - the transaction itself fails (begin or commit): from_store(error, what).
// `change` runs under the database's lock (see Database::transaction): it
// must be quick and do no I/O of its own; listeners are told after this
// returns, by the caller.
template <class Change>
auto commit_audited(store::Database& db, std::string_view what, Change&& change)
    -> Outcome<typename std::invoke_result_t<Change&>::value_type::value_type> {
  using T = typename std::invoke_result_t<Change&>::value_type::value_type;
  std::optional<Failure> failure;
  // The Error handed back to the transaction only makes it roll back; the
  // Failure kept aside is what the caller reports.
  const auto abort = [&failure](Failure f) {
    failure = std::move(f);
    return store::Error{store::ErrorKind::invalid, "aborted: " + failure->message};
  };
  std::optional<Audited<T>> made;
  auto tx = db.transaction([&]() -> store::Result<void> {
    auto changed = change();
    if (!changed) return abort(changed.error());
    for (const store::AuditRecord& record : changed->audit) {
      auto appended = db.audit().append(record);
      if (!appended) return abort(from_store(appended.error(), "audit"));
    }
    made = std::move(*changed);
    return {};
  });
  if (failure) return *failure;
  if (!tx) return from_store(tx.error(), what);
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return std::move(made->value);
  }
}

}  // namespace serendip::moderation::detail
