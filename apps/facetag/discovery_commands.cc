// facetag discover, candidates, candidate ...: new faces for the list, and
// facetag bench discover: how well discovery does on a labelled archive.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <set>

#include "cli.h"
#include "facetag/discovery.h"
#include "facetag/discovery_json.h"
#include "facetag/text.h"

namespace facetag::cli {
namespace {

std::string ActorOr(const std::string& given) {
  if (!given.empty()) return given;
  const char* user = std::getenv("USER");
  return user && *user ? user : "editor";
}

void PrintCandidate(const discovery::Candidate& c) {
  std::cout << "candidate " << c.cluster.id << " [" << CandidateStateName(c.cluster.state)
            << "]: " << c.photo_count << " photos, " << c.event_count << " events, last "
            << c.last_date << "\n";
  for (const auto& n : c.names) {
    std::cout << "  name? " << n.name << "  score " << std::fixed << std::setprecision(2) << n.score
              << std::defaultfloat << " (" << n.cluster_photos << " of its photos, "
              << n.archive_photos << " in the archive)";
    if (!n.evidence.empty()) {
      std::cout << "  e.g. photo " << n.evidence.front().photo << " bytes "
                << n.evidence.front().begin << "-" << n.evidence.front().end;
    }
    std::cout << "\n";
  }
  for (const auto& p : c.photos) {
    std::cout << "  " << p.location << "  " << p.date << "  faces";
    for (FaceId f : p.faces) std::cout << " " << f;
    std::cout << "\n";
  }
}

Result<discovery::DiscoveryOptions> Options(const Cli& cli) {
  auto pack = cli.LoadPack();
  if (!pack) return tl::unexpected(pack.error());
  return discovery::OptionsForPack(*pack);
}

// An editor's decision on a candidate is made with the store, the pack's
// discovery options and the deciding actor, and says what it did as JSON
// (--json) and as a line.
struct Deciding {
  Store& store;
  const discovery::DiscoveryOptions& options;
  std::string actor;
};
struct Decided {
  nlohmann::json json;
  std::string line;
};
using Decide = std::function<Result<Decided>(const Deciding&)>;

// Gives `cmd` the --actor option and, when it is chosen, runs `decide`.
void OnDecision(CLI::App* cmd, Cli& cli, Decide decide) {
  auto actor = std::make_shared<std::string>();
  cmd->add_option("--actor", *actor, "who decides, for the audit log (default: $USER)");
  cmd->callback([&cli, actor, decide = std::move(decide)] {
    cli.run = [&cli, actor, decide] {
      auto store = cli.OpenStore(Access::kExisting);
      if (!store) return cli.Report(store.error());
      auto options = Options(cli);
      if (!options) return cli.Report(options.error());
      auto out = decide(Deciding{**store, *options, ActorOr(*actor)});
      if (!out) return cli.Report(out.error());
      std::cout << (cli.json ? out->json.dump(2) : out->line) << "\n";
      return int{kExitOk};
    };
  });
}

// --- bench discover ----------------------------------------------------------

// The labelled face of every photo of an archive ingested from LFW-style
// folders (<Name>/<Name>_NNNN.jpg): the face closest to the photo's centre,
// labelled with the folder name. Other faces are clustered but not scored.
struct Truth {
  std::map<FaceId, std::int64_t> identity_of_face;
  std::vector<std::string> names;  // by identity
  std::map<std::int64_t, int> photos_of_identity;
};

Result<Truth> ReadTruth(Store& store, const std::string& model) {
  Truth truth;
  std::map<std::string, std::int64_t> ids;
  std::map<PhotoId, std::vector<PoolFace>> faces_of_photo;
  FaceId after = 0;
  do {
    auto page = store.discovery().PoolFaces(model, PoolPart::kAll, after, 10000);
    if (!page) return tl::unexpected(page.error());
    for (auto& f : page->faces) faces_of_photo[f.photo].push_back(std::move(f));
    after = page->next_after;
  } while (after != 0);
  for (const auto& [photo, faces] : faces_of_photo) {
    auto stored = store.archive().GetPhoto(photo);
    if (!stored) return tl::unexpected(stored.error());
    const std::string folder =
        std::filesystem::path(stored->info.location).parent_path().filename().string();
    const float cx = stored->info.width / 2.0f, cy = stored->info.height / 2.0f;
    const PoolFace* central = nullptr;
    float best = 0;
    for (const PoolFace& f : faces) {
      const float d = std::hypot(f.box.CenterX() - cx, f.box.CenterY() - cy);
      if (!central || d < best) {
        central = &f;
        best = d;
      }
    }
    auto [it, added] = ids.emplace(folder, static_cast<std::int64_t>(truth.names.size()));
    if (added) truth.names.push_back(folder);
    truth.identity_of_face[central->id] = it->second;
    ++truth.photos_of_identity[it->second];
  }
  return truth;
}

nlohmann::json ScoresJson(const discovery::ClusterScores& s) {
  return {{"items", s.items},
          {"clusters", s.clusters},
          {"classes", s.classes},
          {"purity", s.purity},
          {"completeness", s.completeness},
          {"pairwise_precision", s.pairwise_precision},
          {"pairwise_recall", s.pairwise_recall},
          {"pairwise_f", s.pairwise_f},
          {"bcubed_precision", s.bcubed_precision},
          {"bcubed_recall", s.bcubed_recall},
          {"bcubed_f", s.bcubed_f}};
}

// Scores of the labelled faces: clustered ones by their cluster, the
// others (gated out, suppressed) each alone.
// With `clustered_only`, only the labelled faces that were clustered.
discovery::ClusterScores ScoreLabelled(const Truth& truth,
                                       const std::map<FaceId, std::int64_t>& cluster_of,
                                       bool clustered_only = false) {
  std::vector<std::int64_t> predicted, expected;
  // Keys no cluster has (stored ids are > 0, a Clusterer's new keys small
  // negatives).
  std::int64_t alone = std::numeric_limits<std::int64_t>::min() / 2;
  for (const auto& [face, identity] : truth.identity_of_face) {
    auto it = cluster_of.find(face);
    if (clustered_only && it == cluster_of.end()) continue;
    predicted.push_back(it == cluster_of.end() ? alone++ : it->second);
    expected.push_back(identity);
  }
  return discovery::ScoreClusters(predicted, expected);
}

int BenchDiscover(const Cli& cli, discovery::DiscoveryOptions options, bool sweep) {
  auto store = cli.OpenStore();
  if (!store) return cli.Report(store.error());
  auto truth = ReadTruth(**store, options.model_id);
  if (!truth) return cli.Report(truth.error());
  if (sweep) {
    // In memory, nothing written: the same faces at other thresholds.
    std::vector<PoolFace> pool;
    FaceId after = 0;
    do {
      auto page = (*store)->discovery().PoolFaces(options.model_id, PoolPart::kAll, after, 10000);
      if (!page) return cli.Report(page.error());
      for (auto& f : page->faces) pool.push_back(std::move(f));
      after = page->next_after;
    } while (after != 0);
    nlohmann::json rows = nlohmann::json::array();
    struct Setting {
      std::string name;
      float link, join, merge;
      discovery::QualityGate gate;
    };
    const discovery::QualityGate none{0, 0, 1};
    const discovery::ClusteringOptions& d = options.clustering;
    std::vector<Setting> settings;
    for (float link : {0.248f, 0.339f, 0.413f, 0.483f}) {
      settings.push_back({"components", link, -1, -1, options.gate});
    }
    for (float join : {0.40f, 0.45f, 0.50f, 0.55f, 0.60f, 0.65f}) {
      for (float merge : {0.50f, 0.60f, 0.70f}) {
        settings.push_back({"verified", d.link_similarity, join, merge, options.gate});
      }
    }
    // The quality gate's parts, at the chosen thresholds.
    settings.push_back({"no-gate", d.link_similarity, d.join_similarity, d.merge_similarity, none});
    discovery::QualityGate part = none;
    part.min_face_pixels = options.gate.min_face_pixels;
    settings.push_back(
        {"gate-size", d.link_similarity, d.join_similarity, d.merge_similarity, part});
    part = none;
    part.min_detection_score = options.gate.min_detection_score;
    settings.push_back(
        {"gate-score", d.link_similarity, d.join_similarity, d.merge_similarity, part});
    part = none;
    part.max_yaw = options.gate.max_yaw;
    settings.push_back(
        {"gate-yaw", d.link_similarity, d.join_similarity, d.merge_similarity, part});
    for (const Setting& s : settings) {
      discovery::ClusteringOptions c = options.clustering;
      c.link_similarity = s.link;
      c.join_similarity = s.join;
      c.merge_similarity = s.merge;
      auto clusterer = discovery::Clusterer::Create(options.dimension, c);
      if (!clusterer) return cli.Report(clusterer.error());
      std::size_t gated = 0;
      for (const PoolFace& f : pool) {
        if (!discovery::GateReason(discovery::MeasureQuality(f.box, f.detection_score, f.landmarks),
                                   s.gate)
                 .empty()) {
          ++gated;
          continue;
        }
        auto key = clusterer->Add(f.id, f.embedding);
        if (!key) return cli.Report(key.error());
      }
      std::map<FaceId, std::int64_t> cluster_of;
      for (const auto& [key, faces] : clusterer->Clusters()) {
        for (FaceId f : faces) cluster_of[f] = key;
      }
      const auto scores = ScoreLabelled(*truth, cluster_of);
      const auto clustered = ScoreLabelled(*truth, cluster_of, true);
      rows.push_back({{"algorithm", s.name},
                      {"clustered_scores", ScoresJson(clustered)},
                      {"link", s.link},
                      {"join", s.join},
                      {"merge", s.merge},
                      {"gated", gated},
                      {"scores", ScoresJson(scores)}});
      if (!cli.json) {
        std::cout << std::setw(17) << s.name << " link " << s.link << " join " << s.join
                  << " merge " << s.merge << " gated " << gated << ": purity " << scores.purity
                  << " completeness " << scores.completeness << " pairwise P/R "
                  << scores.pairwise_precision << "/" << scores.pairwise_recall << " BCubed F "
                  << scores.bcubed_f << " | clustered only: purity " << clustered.purity
                  << " BCubed F " << clustered.bcubed_f << "\n";
      }
    }
    if (cli.json) std::cout << rows.dump(2) << "\n";
    return kExitOk;
  }
  const auto start = std::chrono::steady_clock::now();
  auto summary = discovery::Discover(**store, options, /*rebuild=*/true);
  if (!summary) return cli.Report(summary.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto clusters = (*store)->discovery().ListClusters(options.model_id);
  if (!clusters) return cli.Report(clusters.error());
  std::map<FaceId, std::int64_t> cluster_of;
  for (const ClusterInfo& c : *clusters) {
    auto members = (*store)->discovery().Members(c.id);
    if (!members) return cli.Report(members.error());
    for (const auto& m : *members) cluster_of[m.face] = c.id;
  }
  const auto scores = ScoreLabelled(*truth, cluster_of);
  // Candidates: is every identity with 2+ photos exactly one candidate, and
  // is the top name right?
  discovery::CandidateQuery query;
  query.limit = 100000;
  auto candidates = discovery::ListCandidates(**store, options, query);
  if (!candidates) return cli.Report(candidates.error());
  std::map<std::int64_t, int> candidates_of_identity;
  int named = 0, named_right = 0, with_names = 0;
  for (const auto& c : *candidates) {
    std::map<std::int64_t, int> votes;
    for (const auto& p : c.photos) {
      for (FaceId f : p.faces) {
        auto it = truth->identity_of_face.find(f);
        if (it != truth->identity_of_face.end()) ++votes[it->second];
      }
    }
    if (votes.empty()) continue;
    const auto majority = std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) {
                            return a.second < b.second;
                          })->first;
    ++candidates_of_identity[majority];
    ++named;
    if (c.names.empty()) continue;
    ++with_names;
    std::string expected = truth->names[majority];
    std::replace(expected.begin(), expected.end(), '_', ' ');
    if (text::Fold(c.names.front().name) == text::Fold(expected)) ++named_right;
  }
  int recurring_identities = 0, exactly_one = 0;
  for (const auto& [identity, photos] : truth->photos_of_identity) {
    if (photos < 2) continue;
    ++recurring_identities;
    auto it = candidates_of_identity.find(identity);
    if (it != candidates_of_identity.end() && it->second == 1) ++exactly_one;
  }
  nlohmann::json out = {
      {"faces", summary->new_faces},
      {"clustered", summary->clustered},
      {"excluded_by_gate", summary->excluded},
      {"clusters", summary->clusters},
      {"seconds", seconds},
      {"labelled_faces", truth->identity_of_face.size()},
      {"scores", ScoresJson(scores)},
      {"clustered_scores", ScoresJson(ScoreLabelled(*truth, cluster_of, true))},
      {"identities_with_2_photos", recurring_identities},
      {"exactly_one_candidate", exactly_one},
      {"exactly_one_candidate_share",
       recurring_identities ? static_cast<double>(exactly_one) / recurring_identities : 0.0},
      {"candidates", candidates->size()},
      {"candidates_with_names", with_names},
      {"top_name_right", named_right},
      {"top_name_accuracy", named ? static_cast<double>(named_right) / named : 0.0}};
  std::cout << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddDiscoveryCommands(CLI::App& app, Cli& cli) {
  {
    auto rebuild = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("discover", "cluster the archive's unknown faces (candidates)");
    cmd->add_flag("--rebuild", *rebuild, "cluster all unknown faces anew");
    cmd->footer(
        "Run after ingest: new unknown faces join clusters or form new ones; nothing "
        "clustered is recomputed. Rejected identities stay rejected, also with --rebuild.");
    cmd->callback([&cli, rebuild] {
      cli.run = [&cli, rebuild] {
        auto store = cli.OpenStore(Access::kExisting);
        if (!store) return cli.Report(store.error());
        auto pack = cli.LoadPack();
        if (!pack) return cli.Report(pack.error());
        auto options = discovery::OptionsFor(**store, *pack);
        if (!options) return cli.Report(options.error());
        auto s = discovery::Discover(**store, *options, *rebuild);
        if (!s) return cli.Report(s.error());
        nlohmann::json out = {{"restored", s->restored},
                              {"new_faces", s->new_faces},
                              {"clustered", s->clustered},
                              {"excluded", s->excluded},
                              {"suppressed", s->suppressed},
                              {"left", s->left},
                              {"new_clusters", s->new_clusters},
                              {"merges", s->merges},
                              {"rejected_again", s->rejected_again},
                              {"clusters", s->clusters}};
        if (cli.json) {
          std::cout << out.dump(2) << "\n";
        } else {
          std::cout << s->new_faces << " unknown faces considered: " << s->clustered
                    << " clustered, " << s->excluded << " below the quality gate, " << s->suppressed
                    << " suppressed; " << s->new_clusters << " new clusters, " << s->merges
                    << " merges, " << s->clusters << " clusters in all\n";
        }
        return int{kExitOk};
      };
    });
  }
  {
    struct ListOptions {
      std::string state = "open";
      bool all = false;
      int limit = 50;
    };
    auto o = std::make_shared<ListOptions>();
    auto* cmd = app.add_subcommand("candidates", "recurring unknown people, for the list");
    cmd->add_option("--state", o->state, "open (default), held, rejected or approved");
    cmd->add_flag("--all", o->all, "also clusters that do not recur yet");
    cmd->add_option("--limit", o->limit, "at most this many")->check(CLI::Range(1, 100000));
    cmd->footer("Most events first, then most photos, then most recent. See facetag discover.");
    cmd->callback([&cli, o] {
      cli.run = [&cli, o] {
        auto state = ParseCandidateState(o->state);
        if (!state) return cli.Report(state.error());
        auto store = cli.OpenStore(Access::kExisting);
        if (!store) return cli.Report(store.error());
        auto options = Options(cli);
        if (!options) return cli.Report(options.error());
        discovery::CandidateQuery query;
        query.states = {*state};
        query.recurring_only = !o->all;
        query.limit = o->limit;
        auto list = discovery::ListCandidates(**store, *options, query);
        if (!list) return cli.Report(list.error());
        if (cli.json) {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& c : *list) out.push_back(discovery::CandidateJson(c));
          std::cout << out.dump(2) << "\n";
        } else {
          for (const auto& c : *list) PrintCandidate(c);
          if (list->empty()) std::cout << "no candidates\n";
        }
        return int{kExitOk};
      };
    });
  }
  auto* candidate = app.add_subcommand("candidate", "an editor's decision on a candidate");
  candidate->require_subcommand(1);
  {
    struct ShowOptions {
      ClusterId id = 0;
    };
    auto o = std::make_shared<ShowOptions>();
    auto* cmd = candidate->add_subcommand("show", "one candidate with photos and names");
    cmd->add_option("id", o->id, "candidate (cluster) id")->required();
    cmd->callback([&cli, o] {
      cli.run = [&cli, o] {
        auto store = cli.OpenStore(Access::kExisting);
        if (!store) return cli.Report(store.error());
        auto options = Options(cli);
        if (!options) return cli.Report(options.error());
        auto c = discovery::GetCandidate(**store, *options, o->id);
        if (!c) return cli.Report(c.error());
        if (cli.json) {
          std::cout << discovery::CandidateJson(*c).dump(2) << "\n";
        } else {
          PrintCandidate(*c);
        }
        return int{kExitOk};
      };
    });
  }
  {
    struct ApproveOptions {
      ClusterId id = 0;
      std::string name, justification, actor, criteria;
      std::vector<std::string> aliases;
      int profiles = 5;
    };
    auto o = std::make_shared<ApproveOptions>();
    auto* cmd = candidate->add_subcommand(
        "approve", "list the person: profiles from the best faces, tag the archive");
    cmd->add_option("id", o->id, "candidate (cluster) id")->required();
    cmd->add_option("--name", o->name, "the person's name")->required();
    cmd->add_option("--alias", o->aliases, "another name (repeatable)");
    cmd->add_option("--justification", o->justification,
                    "why the person is listed (public role, news value; required)");
    cmd->add_option("--criteria", o->criteria,
                    "the listing criteria the editor confirms: all, or public,recurring,searched "
                    "(all three are needed)");
    cmd->add_option("--profiles", o->profiles, "best faces made profiles")
        ->check(CLI::Range(1, 50));
    cmd->add_option("--actor", o->actor, "who decides, for the audit log (default: $USER)");
    cmd->callback([&cli, o] {
      cli.run = [&cli, o] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(ListingCriteria criteria, ParseCriteria(o->criteria));
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
        app::ApproveRequest request;
        request.person = {o->name, o->aliases, o->justification, criteria};
        request.max_profiles = o->profiles;
        FACETAG_ASSIGN_OR_RETURN_EXIT(app::ApproveOutcome approved,
                                      w.app->ApproveCandidate(o->id, request, ActorOr(o->actor)));
        if (cli.json) {
          std::cout << nlohmann::json{{"person", approved.person.id},
                                      {"name", approved.person.name},
                                      {"uri", approved.person.uri},
                                      {"profile_faces", approved.profile_faces},
                                      {"rematch", FollowUpJson(approved.follow_up)}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << "listed " << approved.person.name << " with "
                    << approved.profile_faces.size() << " profiles from candidate " << o->id
                    << "\n";
          for (const auto& [face, why] : approved.skipped_faces) {
            std::cout << "  face " << face << " not made a profile: " << why << "\n";
          }
          PrintFollowUp(approved.follow_up, approved.person.name);
        }
        return int{kExitOk};
      };
    });
  }
  {
    struct RejectOptions {
      ClusterId id = 0;
      std::string reason = "not a public person";
    };
    auto o = std::make_shared<RejectOptions>();
    auto* cmd = candidate->add_subcommand(
        "reject", "not a public person: never proposed again, also in new photos");
    cmd->add_option("id", o->id, "candidate (cluster) id")->required();
    cmd->add_option("--reason", o->reason, "why (default: not a public person)");
    OnDecision(cmd, cli, [o](const Deciding& d) -> Result<Decided> {
      FACETAG_ASSIGN_OR_RETURN(auto identity,
                               discovery::Reject(d.store, d.options, o->id, o->reason, d.actor));
      return Decided{{{"candidate", o->id}, {"rejected_identity", identity}},
                     "rejected candidate " + std::to_string(o->id)};
    });
  }
  {
    struct MergeOptions {
      ClusterId into = 0, from = 0;
    };
    auto o = std::make_shared<MergeOptions>();
    auto* cmd = candidate->add_subcommand("merge", "B's faces into A (one person)");
    cmd->add_option("a", o->into, "the candidate that stays")->required();
    cmd->add_option("b", o->from, "the candidate merged into it")->required();
    OnDecision(cmd, cli, [o](const Deciding& d) -> Result<Decided> {
      FACETAG_RETURN_IF_ERROR(discovery::Merge(d.store, d.options, o->into, o->from, d.actor));
      return Decided{
          {{"candidate", o->into}, {"merged", o->from}},
          "merged candidate " + std::to_string(o->from) + " into " + std::to_string(o->into)};
    });
  }
  {
    struct SplitOptions {
      ClusterId id = 0;
      std::vector<FaceId> faces;
    };
    auto o = std::make_shared<SplitOptions>();
    auto* cmd = candidate->add_subcommand(
        "split", "separate a mixed candidate (in two by similarity, or --face ones moved out)");
    cmd->add_option("id", o->id, "candidate (cluster) id")->required();
    cmd->add_option("--face", o->faces, "a face id to move to a new candidate (repeatable)");
    OnDecision(cmd, cli, [o](const Deciding& d) -> Result<Decided> {
      FACETAG_ASSIGN_OR_RETURN(std::vector<ClusterId> parts,
                               discovery::Split(d.store, d.options, o->id, o->faces, d.actor));
      return Decided{{{"candidate", o->id}, {"new_candidates", parts}},
                     "split candidate " + std::to_string(o->id)};
    });
  }
  for (const bool hold : {true, false}) {
    auto id = std::make_shared<ClusterId>(0);
    auto* cmd = candidate->add_subcommand(hold ? "hold" : "reopen",
                                          hold ? "put aside for later" : "back into the queue");
    cmd->add_option("id", *id, "candidate (cluster) id")->required();
    OnDecision(cmd, cli, [id, hold](const Deciding& d) -> Result<Decided> {
      FACETAG_RETURN_IF_ERROR(discovery::Hold(d.store, *id, hold, d.actor));
      return Decided{{{"candidate", *id}, {"state", hold ? "held" : "open"}},
                     std::string(hold ? "held" : "reopened") + " candidate " + std::to_string(*id)};
    });
  }
  // facetag bench discover
  if (CLI::App* bench = app.get_subcommand("bench")) {
    struct BenchOptions {
      float link = 0, join = 0, merge = 0;
      bool sweep = false, no_gate = false;
    };
    auto o = std::make_shared<BenchOptions>();
    auto* cmd = bench->add_subcommand(
        "discover",
        "cluster the archive (--db) anew and score it against its folder names (LFW layout)");
    cmd->add_option("--link", o->link, "link similarity (default: the pack's 1e-3 point)");
    cmd->add_option("--join", o->join, "face-to-cluster-mean similarity");
    cmd->add_option("--merge", o->merge, "cluster-mean similarity for merging");
    cmd->add_flag("--no-gate", o->no_gate, "no quality gate");
    cmd->add_flag("--sweep", o->sweep, "compare algorithms and thresholds (in memory)");
    cmd->footer(
        "The archive's photos must lie in folders named after the person pictured in their "
        "centre (LFW). With captions naming them (scripts/lfw_captions.py), the top name "
        "suggestion is scored too. Writes the clusters into the database.");
    cmd->callback([&cli, o] {
      cli.run = [&cli, o] {
        auto options = Options(cli);
        if (!options) return cli.Report(options.error());
        if (o->link) options->clustering.link_similarity = o->link;
        if (o->join) options->clustering.join_similarity = o->join;
        if (o->merge) options->clustering.merge_similarity = o->merge;
        if (o->no_gate) options->gate = {0, 0, 1};
        return BenchDiscover(cli, *options, o->sweep);
      };
    });
  }
}

}  // namespace facetag::cli
