// The access answer: everything stored about a listed person, as a zip.
#include <nlohmann/json.hpp>

#include "facetag/json_views.h"
#include "facetag/privacy.h"
#include "time_text.h"
#include "zip_writer.h"

namespace facetag::privacy {
namespace {

using Json = nlohmann::json;

constexpr char kReadme[] =
    "This archive answers an access request under the GDPR (Art. 15).\n"
    "\n"
    "manifest.json lists everything facetag stores about the person:\n"
    "  person    - the list entry: name, aliases, the stable identifier written into\n"
    "              photos, the listing criteria the editor stated and the\n"
    "              justification, and since when the person is listed;\n"
    "  profiles  - how many facial profiles are kept and where each came from\n"
    "              (photo hash, face box, model, date). The profiles themselves are\n"
    "              numeric face measurements; they are never shared or exported;\n"
    "  photos    - archived photos in which the person is pictured (named on a face,\n"
    "              automatically or confirmed by an editor) or mentioned in the caption;\n"
    "  audit     - every recorded action concerning the person or those faces.\n"
    "\n"
    "Photos themselves are not stored by facetag: only their hash, location and\n"
    "what was derived from them.\n";

Json AuditJson(const AuditEntry& e) {
  return {{"id", e.id},
          {"at", e.at},
          {"actor", e.record.actor},
          {"action", e.record.action},
          {"subject", e.record.subject},
          {"details", Json::parse(e.record.details, nullptr, false)}};
}

Result<void> AppendAudit(Store& store, const std::string& subject, Json& out, int& count) {
  AuditQuery query;
  query.subject = subject;
  query.limit = 1000;
  for (;;) {
    auto page = store.archive().ListAudit(query);
    if (!page) return tl::unexpected(page.error());
    for (const AuditEntry& e : *page) {
      out.push_back(AuditJson(e));
      ++count;
    }
    if (page->size() < static_cast<std::size_t>(query.limit)) return {};
    query.cursor = page->back().id;
  }
}

}  // namespace

Result<PersonExportReport> ExportPerson(Store& store, std::string_view name,
                                        const std::filesystem::path& zip, std::string_view actor) {
  auto person = store.FindPerson(name);
  if (!person) return tl::unexpected(person.error());
  auto profiles = store.ProfilesOf(person->id);
  if (!profiles) return tl::unexpected(profiles.error());
  PersonExportReport report;
  report.zip = zip;
  report.profiles = static_cast<int>(profiles->size());
  Json sources = Json::array();
  for (const Profile& p : *profiles) {
    sources.push_back(
        {{"photo_sha256", p.photo_sha256},
         {"box",
          {{"x", p.box.x}, {"y", p.box.y}, {"width", p.box.width}, {"height", p.box.height}}},
         {"model", p.embedding.model_id},
         {"created_at", p.created_at}});
  }
  Json pictured = Json::array();
  Json mentioned = Json::array();
  Json audit = Json::array();
  int audit_count = 0;
  FACETAG_RETURN_IF_ERROR(
      AppendAudit(store, "person:" + std::to_string(person->id), audit, audit_count));
  SearchQuery query;
  query.person = person->id;
  query.include_mentioned = true;
  query.limit = 10000;
  for (;; query.offset += query.limit) {
    auto hits = store.archive().Search(query);
    if (!hits) return tl::unexpected(hits.error());
    for (const SearchHit& h : *hits) {
      Json photo = {{"photo", h.photo},
                    {"sha256", h.sha256},
                    {"location", h.location},
                    {"date", h.date},
                    {"caption", h.caption}};
      if (h.kind == HitKind::kPictured) {
        photo["face"] = h.face.value_or(0);
        photo["tag"] = h.confirmed ? "confirmed" : "automatic";
        if (h.similarity) photo["similarity"] = *h.similarity;
        pictured.push_back(std::move(photo));
        if (h.face) {
          FACETAG_RETURN_IF_ERROR(
              AppendAudit(store, "face:" + std::to_string(*h.face), audit, audit_count));
        }
      } else {
        mentioned.push_back(std::move(photo));
      }
      ++report.photos;
    }
    if (hits->size() < static_cast<std::size_t>(query.limit)) break;
  }
  report.audit_entries = audit_count;
  const Json manifest = {{"generated_at", detail::FormatUtc(std::chrono::system_clock::now())},
                         {"person", facetag::PersonJson(*person)},
                         {"profiles",
                          {{"count", profiles->size()},
                           {"sources", sources},
                           {"note", "facial profiles are never exported or shared"}}},
                         {"photos", {{"pictured", pictured}, {"mentioned", mentioned}}},
                         {"audit", audit}};

  std::error_code ec;
  if (zip.has_parent_path()) std::filesystem::create_directories(zip.parent_path(), ec);
  auto writer = detail::ZipWriter::Create(zip);
  if (!writer) return tl::unexpected(writer.error());
  FACETAG_RETURN_IF_ERROR(writer->AddBytes("manifest.json", manifest.dump(2)));
  FACETAG_RETURN_IF_ERROR(writer->AddBytes("README.txt", kReadme));
  FACETAG_RETURN_IF_ERROR(writer->Close());
  auto audited = store.archive().AppendAudit(
      {actor.empty() ? "facetag" : std::string(actor), "person.export",
       "person:" + std::to_string(person->id),
       Json{{"photos", report.photos}, {"audit_entries", audit_count}}.dump()});
  if (!audited) return tl::unexpected(audited.error());
  return report;
}

}  // namespace facetag::privacy
