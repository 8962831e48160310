// The JSON form of the privacy records that the command line (--json) and
// the HTTP API both show, so that a script sees the same fields from either.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "facetag/privacy.h"
#include "facetag/privacy_store.h"

namespace facetag::privacy {

// {"id", "kind", "received_on", "due_on", "requester", "contact", "subject",
// "details", "status", "decision", "refusal_reason", "decided_by",
// "decided_at", "created_at"}.
nlohmann::json RequestJson(const DataRequest& request);

// {"id", "kind", "status", "done", "total", "result" (JSON), "created_by",
// "created_at", "updated_at"}.
nlohmann::json JobJson(const Job& job);

// {"listed", "persons": [{"id", "name"}], "opted_out", "faces": [{"box",
// "person" (name or null), "opted_out"}], "photo_discarded", "answer"}.
nlohmann::json LookupJson(const LookupAnswer& answer);

// {"dry_run", "counts": {"captions", "mentions", "tags", "unknown_faces",
// "profiles", "audit_entries", "requests"}, "file_bytes_before",
// "file_bytes_after", "seconds", "wiped", "wipe_error"}.
nlohmann::json PurgeJson(const PurgeReport& report);

// {"captions", "tags", "unknown_faces", "idle_profiles", "audit",
// "requests"}: days, or null for no limit.
nlohmann::json RetentionJson(const RetentionPolicy& policy);

}  // namespace facetag::privacy
