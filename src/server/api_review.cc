// Routes of the editors' review: recent automatic tags and unknown faces,
// face thumbnails cut from the photo on the fly, confirm and reject.
#include "http.h"
#include "service.h"

namespace facetag::server {
using nlohmann::json;

namespace {

Result<std::optional<TagStatus>> StatusParam(const httplib::Request& req) {
  const std::string text = QueryString(req, "status");
  if (text.empty()) return std::optional<TagStatus>();
  for (TagStatus s : {TagStatus::kAutomatic, TagStatus::kConfirmed, TagStatus::kRejected}) {
    if (text == TagStatusName(s)) return std::optional<TagStatus>(s);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "status must be automatic, confirmed or rejected, got \"" + text.substr(0, 40) + "\"");
}

Result<std::optional<FaceDecision>> DecisionParam(const httplib::Request& req) {
  const std::string text = QueryString(req, "decision");
  if (text.empty()) return std::optional<FaceDecision>();
  for (FaceDecision d : {FaceDecision::kRecognized, FaceDecision::kUnknown,
                         FaceDecision::kAmbiguous, FaceDecision::kDuplicate,
                         FaceDecision::kLowQuality}) {
    if (text == FaceDecisionName(d)) return std::optional<FaceDecision>(d);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "decision must be recognized, unknown, ambiguous, duplicate or low_quality, got \"" +
                  text.substr(0, 40) + "\"");
}

// An editor's confirm or reject; the file's metadata follows when facetag
// can write it (a photo below the photo folder).
void Decide(Service& service, const Caller& caller, const httplib::Request& req,
            httplib::Response& res, bool confirm) {
  auto face = PathId(req, 1, "face");
  if (!face) return SendError(res, ToApiError(face.error()));
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto person = RequiredId(*body, "person");
  if (!person) return SendError(res, ToApiError(person.error()));
  // The file follows the archive when facetag can write it (a photo below
  // the photo folder).
  auto photo_id = service.store.archive().PhotoOfFace(*face);
  if (!photo_id) return SendError(res, ToApiError(photo_id.error()));
  auto photo = service.store.archive().GetPhoto(*photo_id);
  if (!photo) return SendError(res, ToApiError(photo.error()));
  const bool writable = ArchivedPhotoFile(service, photo->info.location).has_value();
  auto done = service.app.Review(
      *face, *person, confirm ? app::ReviewAction::kConfirm : app::ReviewAction::kReject,
      caller.actor, false);
  if (!done) return SendError(res, ToApiError(done.error()));
  json out = {{"face", *face}, {"person", *person}, {"status", confirm ? "confirmed" : "rejected"}};
  if (writable) out["metadata_written"] = service.app.WriteTags(*photo_id).has_value();
  SendJson(res, out);
}

}  // namespace

void AddReviewRoutes(Router& router, Service& service) {
  Service* s = &service;
  const std::vector<Role> editor = {Role::kEditor};
  router.Add({"GET", "/api/v1/faces", editor, "Faces for review, newest first.", Body::kNone,
              {{"status", "automatic, confirmed or rejected"},
               {"decision", "recognized, unknown, ambiguous, duplicate or low_quality"},
               {"person", "a person id"},
               {"before", "a face id: the page after it"},
               {"limit", "1-200, default 50"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               FaceQuery query;
               auto status = StatusParam(q);
               if (!status) return SendError(r, ToApiError(status.error()));
               auto decision = DecisionParam(q);
               if (!decision) return SendError(r, ToApiError(decision.error()));
               auto person = QueryInt(q, "person", 0, 0, INT64_MAX);
               auto before = QueryInt(q, "before", 0, 0, INT64_MAX);
               auto limit = QueryInt(q, "limit", 50, 1, 200);
               for (auto* v : {&person, &before, &limit}) {
                 if (!*v) return SendError(r, ToApiError(v->error()));
               }
               query.status = *status;
               query.decision = *decision;
               if (*person > 0) query.person = *person;
               query.before = *before;
               query.limit = static_cast<int>(*limit);
               auto faces = s->store.archive().ListFaces(query);
               if (!faces) return SendError(r, ToApiError(faces.error()));
               json out = json::array();
               for (const FaceSummary& f : *faces) {
                 json face = {{"face_id", f.id},
                              {"photo_id", f.photo},
                              {"box", BoxJson(f.box)},
                              {"decision", FaceDecisionName(f.tag.decision)},
                              {"status", TagStatusName(f.status)},
                              {"by_mention", f.tag.by_mention},
                              {"updated_at", f.updated_at}};
                 if (f.tag.similarity) face["similarity"] = *f.tag.similarity;
                 if (f.tag.person) face["person"] = PersonRefJson(s->store, f.tag.person);
                 out.push_back(face);
               }
               SendJson(r, {{"faces", out}});
             });
  router.Add({"GET", "/api/v1/faces/{id}/thumbnail", editor,
              "A JPEG of the face cut from the photo on the fly (never stored).", Body::kNone,
              {{"size", "long side in pixels, 32-512, default 160"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "face");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto size = QueryInt(q, "size", 160, 32, 512);
               if (!size) return SendError(r, ToApiError(size.error()));
               auto photo_id = s->store.archive().PhotoOfFace(*id);
               if (!photo_id) return SendError(r, ToApiError(photo_id.error()));
               auto photo = s->store.archive().GetPhoto(*photo_id);
               if (!photo) return SendError(r, ToApiError(photo.error()));
               vision::RenditionOptions options;
               options.max_side = static_cast<int>(*size);
               for (const StoredFace& f : photo->faces) {
                 if (f.id == *id) options.crop = f.detected.box;
               }
               SendRendition(*s, *photo, options, r);
             });
  router.Add({"POST", "/api/v1/faces/{id}/confirm", editor,
              "Confirm that the face shows a person: {person}.", Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Decide(*s, c, q, r, true);
             });
  router.Add({"POST", "/api/v1/faces/{id}/reject", editor,
              "Say that the face does not show a person: {person}.", Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Decide(*s, c, q, r, false);
             });
}

}  // namespace facetag::server
