// facetag optout, request, lookup, purge, retention, audit, export, jobs,
// suppression: the privacy officer's commands (docs/privacy.md).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "facetag/file_io.h"
#include "facetag/notify.h"
#include "facetag/privacy.h"
#include "facetag/privacy_json.h"

namespace facetag::cli {
namespace {

using Json = nlohmann::json;
using privacy::JobJson;
using privacy::LookupJson;
using privacy::PurgeJson;
using privacy::RequestJson;
using privacy::RetentionJson;

std::atomic<bool> g_stop_jobs{false};
extern "C" void StopJobs(int) { g_stop_jobs.store(true); }

// Exports are kept beside the database unless told otherwise.
std::filesystem::path ExportFolder(const Cli& cli, const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("FACETAG_EXPORTS"); env != nullptr && *env != '\0') return env;
  const std::filesystem::path db =
      cli.db_path.empty() ? DefaultDatabasePath() : std::filesystem::path(cli.db_path);
  return db.parent_path() / "exports";
}

// Notices of exports run here go to the destinations an admin allowed for
// the service of the same database.
std::filesystem::path AllowListFile(const Cli& cli) {
  return privacy::AllowListFileOf(cli.db_path.empty() ? DefaultDatabasePath()
                                                      : std::filesystem::path(cli.db_path));
}

Result<privacy::NotifyOptions> ParseNotify(const std::string& smtp, const std::string& from,
                                           const std::string& url) {
  privacy::NotifyOptions notify;
  if (!smtp.empty()) {
    const auto colon = smtp.rfind(':');
    notify.smtp_host = smtp.substr(0, colon);
    if (colon != std::string::npos) {
      try {
        notify.smtp_port = std::stoi(smtp.substr(colon + 1));
      } catch (...) {
        notify.smtp_port = 0;
      }
    }
    if (notify.smtp_host.empty() || notify.smtp_port <= 0 || notify.smtp_port > 65535) {
      return Fail(ErrorCode::kInvalidArgument, "--smtp wants HOST[:PORT], got \"" + smtp + "\"");
    }
  }
  if (!from.empty()) notify.mail_from = from;
  if (!url.empty()) notify.download_url = url;
  return notify;
}

void PrintRequest(const DataRequest& r) {
  std::cout << "#" << r.id << "  " << RequestKindName(r.kind) << "  received " << r.received_on
            << "  due " << r.due_on << "  " << RequestStatusName(r.status) << "  " << r.requester
            << " <" << r.contact << ">";
  if (!r.subject.empty()) std::cout << "  about " << r.subject;
  if (r.status != RequestStatus::kOpen) {
    std::cout << "\n    decided by " << r.decided_by << " at " << r.decided_at << ": "
              << r.decision;
    if (!r.refusal_reason.empty()) std::cout << " (reason: " << r.refusal_reason << ")";
  }
  std::cout << "\n";
}

// Runs a job in the foreground with a progress bar; Ctrl-C leaves it
// resumable (`facetag jobs run`).
int RunJobNow(const Cli& cli, Store& store, JobId id, const privacy::JobRunOptions& base,
              Json& out) {
  privacy::JobRunOptions options = base;
  // The jobs write names into photos: from the archive, through the use
  // cases' one builder.
  auto pack = cli.LoadPack(false);
  if (!pack) return cli.Report(pack.error());
  const auto files = PhotoFiles::Disk();
  app::App names(store, *pack, *files);
  options.archived_tags = [&names](PhotoId photo) { return names.ArchivedTags(photo); };
  options.rewrite_photo = [&names](PhotoId photo) { return names.WriteTags(photo); };
  g_stop_jobs.store(false);
  std::signal(SIGINT, StopJobs);
  std::signal(SIGTERM, StopJobs);
  options.stop = &g_stop_jobs;
  auto job = store.service().GetJob(id);
  if (!job) return cli.Report(job.error());
  Progress progress(static_cast<std::size_t>(job->total), !cli.quiet && !cli.json, "photos");
  options.progress = [&progress](std::int64_t done, std::int64_t) {
    progress.Advance(static_cast<std::size_t>(done));
  };
  auto outcome = privacy::RunJob(store, id, options);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!outcome) return cli.Report(outcome.error());
  out["job"] = JobJson(outcome->job);
  if (!cli.json) {
    std::cout << "job " << id << " (" << outcome->job.kind << "): "
              << (outcome->stopped ? "stopped, resume with `facetag jobs run`"
                                   : JobStatusName(outcome->job.status))
              << ", " << outcome->job.done << "/" << outcome->job.total << " photos\n";
    const Json result = Json::parse(outcome->job.result, nullptr, false);
    if (result.is_object()) {
      for (const auto& failure : result.value("failures", Json::array())) {
        std::cerr << "facetag: photo " << failure["photo"] << ": "
                  << failure["error"].get<std::string>() << "\n";
      }
      for (const auto& skipped : result.value("skipped", Json::array())) {
        std::cerr << "facetag: photo " << skipped["photo"]
                  << " skipped: " << skipped["reason"].get<std::string>() << "\n";
      }
    }
  }
  if (outcome->stopped) return kExitPartial;
  const Json result = Json::parse(outcome->job.result, nullptr, false);
  const bool partial = result.is_object() && (!result.value("failures", Json::array()).empty() ||
                                              !result.value("skipped", Json::array()).empty());
  return partial ? int{kExitPartial} : int{kExitOk};
}

void AddOptOut(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand(
      "optout", "a person leaves the list for good: never tagged, never proposed again");
  auto name = std::make_shared<std::string>();
  auto photos = std::make_shared<std::vector<std::string>>();
  auto later = std::make_shared<bool>(false);
  cmd->add_option("name", *name, "name, alias or URI (or the name of someone not listed)")
      ->required();
  cmd->add_option("--photo", *photos, "a photo of the person (repeatable; analysed, not kept)");
  cmd->add_flag("--no-rewrite", *later,
                "queue the rewrite of the photo files (`facetag jobs run`) instead of running it");
  cmd->callback([&cli, name, photos, later] {
    cli.run = [&cli, name, photos, later] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto pack = cli.LoadPack();
      if (!pack) return cli.Report(pack.error());
      std::unique_ptr<vision::FaceAnalyzer> analyzer;
      if (!photos->empty()) {
        auto created = vision::FaceAnalyzer::Create(*pack);
        if (!created) return cli.Report(created.error());
        analyzer = std::move(*created);
      }
      privacy::OptOutRequest request;
      request.person = *name;
      request.photos.assign(photos->begin(), photos->end());
      request.actor = cli.Actor();
      auto report = privacy::OptOut(**store, *pack, analyzer.get(), request);
      if (!report) return cli.Report(report.error());
      const OptOutOutcome& o = report->outcome;
      Json out = {{"listed", report->was_listed},
                  {"suppression", o.suppression},
                  {"templates", o.models},
                  {"profiles_deleted", o.profiles_deleted},
                  {"faces_deleted", o.faces_deleted},
                  {"photos_to_rewrite", o.photos.size()}};
      if (!cli.json) {
        if (report->was_listed) {
          std::cout << "opted out " << o.name << ": removed from the list with "
                    << o.profiles_deleted << " profile(s); " << o.faces_deleted
                    << " archived face(s) deleted; suppression record " << o.suppression << " ("
                    << o.models.size() << " encrypted template(s))\n";
        } else {
          std::cout << "\"" << *name << "\" is not on the list: suppression record "
                    << o.suppression << " keeps them off it ("
                    << (o.models.empty() ? "name only" : "name and face") << ")\n";
        }
      }
      int code = kExitOk;
      if (report->was_listed && !*later) {
        code = RunJobNow(cli, **store, o.job, {}, out);
      } else if (report->was_listed && !cli.json) {
        std::cout << "job " << o.job << " queued: run `facetag jobs run` to rewrite "
                  << o.photos.size() << " photo file(s)\n";
      }
      if (cli.json) std::cout << out.dump(2) << "\n";
      return code;
    };
  });
}

void AddRequests(CLI::App& app, Cli& cli) {
  auto* request = app.add_subcommand("request", "the register of data-subject requests");
  request->require_subcommand(1);
  {
    auto* cmd = request->add_subcommand("add", "register a request (due one month after receipt)");
    auto kind = std::make_shared<std::string>();
    auto input = std::make_shared<NewRequest>();
    cmd->add_option("kind", *kind, "access, removal, optout or objection")->required();
    cmd->add_option("--received", input->received_on, "day received, YYYY-MM-DD")->required();
    cmd->add_option("--requester", input->requester, "who asks")->required();
    cmd->add_option("--contact", input->contact, "where to answer (e-mail, address)")->required();
    cmd->add_option("--subject", input->subject, "the person the request is about");
    cmd->add_option("--details", input->details, "what is asked");
    cmd->callback([&cli, kind, input] {
      cli.run = [&cli, kind, input] {
        auto parsed = ParseRequestKind(*kind);
        if (!parsed) {
          return cli.Report(
              {ErrorCode::kInvalidArgument,
               "request kind \"" + *kind + "\" is none of access, removal, optout, objection"});
        }
        input->kind = *parsed;
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto added = (*store)->privacy().AddRequest(*input, cli.Actor());
        if (!added) return cli.Report(added.error());
        if (cli.json) {
          std::cout << RequestJson(*added).dump(2) << "\n";
        } else {
          std::cout << "registered request " << added->id << ", due " << added->due_on << "\n";
        }
        return int{kExitOk};
      };
    });
  }
  for (const bool overdue : {false, true}) {
    auto* cmd = request->add_subcommand(
        overdue ? "overdue" : "list",
        overdue ? "open requests past their due date" : "requests, oldest first");
    auto status = std::make_shared<std::string>();
    auto kind = std::make_shared<std::string>();
    if (!overdue) {
      cmd->add_option("--status", *status, "open, granted or refused");
      cmd->add_option("--kind", *kind, "access, removal, optout or objection");
    }
    cmd->callback([&cli, status, kind, overdue] {
      cli.run = [&cli, status, kind, overdue] {
        RequestQuery query;
        if (!status->empty()) {
          query.status = ParseRequestStatus(*status);
          if (!query.status) {
            return cli.Report({ErrorCode::kInvalidArgument,
                               "status \"" + *status + "\" is none of open, granted, refused"});
          }
        }
        if (!kind->empty()) {
          query.kind = ParseRequestKind(*kind);
          if (!query.kind) {
            return cli.Report(
                {ErrorCode::kInvalidArgument, "unknown request kind \"" + *kind + "\""});
          }
        }
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto requests = overdue
                            ? (*store)->privacy().OverdueRequests(std::chrono::system_clock::now())
                            : (*store)->privacy().ListRequests(query);
        if (!requests) return cli.Report(requests.error());
        if (cli.json) {
          Json out = Json::array();
          for (const auto& r : *requests) out.push_back(RequestJson(r));
          std::cout << out.dump(2) << "\n";
        } else {
          for (const auto& r : *requests) PrintRequest(r);
          if (requests->empty())
            std::cout << (overdue ? "no request is overdue\n" : "no requests\n");
        }
        return int{kExitOk};
      };
    });
  }
  {
    auto* cmd = request->add_subcommand("decide", "grant or refuse a request");
    auto id = std::make_shared<RequestId>(0);
    auto verdict = std::make_shared<std::string>();
    auto decision = std::make_shared<RequestDecision>();
    cmd->add_option("id", *id, "request number")->required();
    cmd->add_option("verdict", *verdict, "grant or refuse")->required();
    cmd->add_option("--decision", decision->decision, "what was decided and done")->required();
    cmd->add_option("--reason", decision->refusal_reason,
                    "why a request is refused (required for refuse)");
    cmd->callback([&cli, id, verdict, decision] {
      cli.run = [&cli, id, verdict, decision] {
        if (*verdict == "grant") {
          decision->status = RequestStatus::kGranted;
        } else if (*verdict == "refuse") {
          decision->status = RequestStatus::kRefused;
        } else {
          return cli.Report({ErrorCode::kInvalidArgument,
                             "verdict \"" + *verdict + "\" is neither grant nor refuse"});
        }
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto decided = (*store)->privacy().DecideRequest(*id, *decision, cli.Actor());
        if (!decided) return cli.Report(decided.error());
        if (cli.json) {
          std::cout << RequestJson(*decided).dump(2) << "\n";
        } else {
          PrintRequest(*decided);
        }
        return int{kExitOk};
      };
    });
  }
}

void AddLookup(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("lookup", "am I on the list? by name or alias, or by a photo");
  auto name = std::make_shared<std::string>();
  auto photo = std::make_shared<std::string>();
  auto* name_opt = cmd->add_option("name", *name, "name or alias");
  auto* photo_opt =
      cmd->add_option("--photo", *photo, "a photo of the person (analysed in memory, discarded)");
  name_opt->excludes(photo_opt);
  cmd->callback([&cli, name, photo] {
    cli.run = [&cli, name, photo] {
      if (name->empty() && photo->empty()) {
        return cli.Report({ErrorCode::kInvalidArgument, "lookup wants a NAME or --photo FILE"});
      }
      Result<privacy::LookupAnswer> answer = Fail(ErrorCode::kInternal, "no lookup");
      if (!photo->empty()) {
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, true));
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto analyzer, w.Analyzer());
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto bytes,
                                      ReadFileBytes(*photo, vision::DecodeOptions{}.max_file_bytes));
        answer = w.app->LookupPhoto(bytes, *analyzer);
      } else {
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto store, cli.OpenStore(Access::kExisting));
        answer = privacy::LookupName(*store, *name);
      }
      if (!answer) return cli.Report(answer.error());
      if (cli.json) {
        std::cout << LookupJson(*answer).dump(2) << "\n";
      } else {
        std::cout << answer->answer << "\n";
      }
      return int{kExitOk};
    };
  });
}

void AddRetention(CLI::App& app, Cli& cli) {
  auto* purge = app.add_subcommand("purge", "delete what is past its retention period");
  auto dry = std::make_shared<bool>(false);
  auto export_dir = std::make_shared<std::string>();
  purge->add_flag("--dry-run", *dry, "only count what would be deleted");
  purge->add_option("--export-dir", *export_dir,
                    "where photo exports are kept: expired ones are deleted too");
  purge->callback([&cli, dry, export_dir] {
    cli.run = [&cli, dry, export_dir] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      const auto now = std::chrono::system_clock::now();
      auto report = privacy::PurgeNow(**store, now, *dry, cli.Actor());
      if (!report) return cli.Report(report.error());
      int swept = 0;
      if (!*dry) {
        auto removed = privacy::SweepExpiredExports(**store, ExportFolder(cli, *export_dir), now);
        if (!removed) return cli.Report(removed.error());
        swept = *removed;
      }
      if (cli.json) {
        Json out = PurgeJson(*report);
        out["expired_exports_deleted"] = swept;
        std::cout << out.dump(2) << "\n";
      } else {
        const PurgeCounts& c = report->counts;
        std::cout << (report->dry_run ? "would purge: " : "purged: ") << c.captions
                  << " caption(s) with " << c.mentions << " mention(s), " << c.tags << " tag(s), "
                  << c.unknown_faces << " unknown face(s), " << c.profiles << " profile(s), "
                  << c.audit_entries << " audit entr(ies), " << c.requests << " request(s)";
        if (!report->dry_run) {
          std::cout << "; database " << report->file_bytes_before << " -> "
                    << report->file_bytes_after << " bytes in " << report->seconds << " s; "
                    << swept << " expired export(s) deleted";
        }
        std::cout << "\n";
        if (!report->dry_run && !report->wiped) {
          std::cerr << "facetag: the deleted data is not yet wiped from the file: "
                    << report->wipe_error << "\n";
        }
      }
      return int{kExitOk};
    };
  });

  auto* retention = app.add_subcommand("retention", "how long each kind of data is kept");
  retention->require_subcommand(1);
  retention->add_subcommand("show", "the retention periods")->callback([&cli] {
    cli.run = [&cli] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto policy = (*store)->privacy().Retention();
      if (!policy) return cli.Report(policy.error());
      for (auto kind : kAllRetentionKinds) {
        const auto& days = policy->For(kind);
        if (!cli.json) {
          std::cout << RetentionKindName(kind) << ": "
                    << (days ? std::to_string(*days) + " days" : std::string("no limit")) << "\n";
        }
      }
      if (cli.json) std::cout << RetentionJson(*policy).dump(2) << "\n";
      return int{kExitOk};
    };
  });
  auto* set = retention->add_subcommand("set", "set a retention period");
  auto kind = std::make_shared<std::string>();
  auto days = std::make_shared<std::string>();
  set->add_option("kind", *kind, "captions, tags, unknown_faces, idle_profiles, audit or requests")
      ->required();
  set->add_option("days", *days, "a number of days, or \"off\" for no limit")->required();
  set->callback([&cli, kind, days] {
    cli.run = [&cli, kind, days] {
      auto parsed = ParseRetentionKind(*kind);
      if (!parsed) {
        return cli.Report({ErrorCode::kInvalidArgument, "unknown kind of data \"" + *kind + "\""});
      }
      std::optional<int> period;
      if (*days != "off") {
        try {
          std::size_t used = 0;
          period = std::stoi(*days, &used);
          if (used != days->size()) throw std::invalid_argument("trailing");
        } catch (...) {
          return cli.Report({ErrorCode::kInvalidArgument,
                             "days \"" + *days + "\" is neither a number nor \"off\""});
        }
      }
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto stored = privacy::SetRetention(**store, {{*parsed, period}}, cli.Actor());
      if (!stored) return cli.Report(stored.error());
      if (!cli.json) std::cout << *kind << ": " << (period ? *days + " days" : "no limit") << "\n";
      return int{kExitOk};
    };
  });
}

void AddAudit(CLI::App& app, Cli& cli) {
  auto* audit = app.add_subcommand("audit", "the tamper-evident audit log");
  audit->require_subcommand(1);
  audit->add_subcommand("verify", "check the hash chain of the audit log")->callback([&cli] {
    cli.run = [&cli] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto verified = (*store)->privacy().VerifyAudit();
      if (!verified) return cli.Report(verified.error());
      Json out = {{"intact", verified->intact}, {"entries", verified->entries}};
      if (verified->intact) {
        out["head_hash"] = verified->head_hash;
      } else {
        out["first_bad"] = verified->first_bad.value_or(0);
        out["problem"] = verified->problem;
      }
      if (verified->anchored_through) out["anchored_through"] = *verified->anchored_through;
      if (cli.json) {
        std::cout << out.dump(2) << "\n";
      } else if (verified->intact) {
        std::cout << "audit log intact: " << verified->entries << " entries, head "
                  << verified->head_hash << "\n";
      } else {
        std::cout << "audit log TAMPERED: " << verified->problem << "\n";
      }
      return verified->intact ? int{kExitOk} : int{kExitRefused};
    };
  });
  auto* list = audit->add_subcommand("list", "audit entries, newest first");
  auto query = std::make_shared<AuditQuery>();
  query->newest_first = true;
  query->limit = 50;
  list->add_option("--actor", query->actor, "only this actor");
  list->add_option("--action", query->action, "only this action, e.g. person.optout");
  list->add_option("--subject", query->subject, "only this subject, e.g. person:3");
  list->add_option("--limit", query->limit, "at most this many (1-10000)");
  list->callback([&cli, query] {
    cli.run = [&cli, query] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto entries = (*store)->archive().ListAudit(*query);
      if (!entries) return cli.Report(entries.error());
      Json out = Json::array();
      for (const auto& e : *entries) {
        out.push_back({{"id", e.id},
                       {"at", e.at},
                       {"actor", e.record.actor},
                       {"action", e.record.action},
                       {"subject", e.record.subject},
                       {"details", Json::parse(e.record.details, nullptr, false)}});
        if (!cli.json) {
          std::cout << e.id << "  " << e.at << "  " << e.record.actor << "  " << e.record.action
                    << "  " << e.record.subject << "  " << e.record.details << "\n";
        }
      }
      if (cli.json) std::cout << out.dump(2) << "\n";
      return int{kExitOk};
    };
  });
}

void AddExports(CLI::App& app, Cli& cli) {
  auto* exp = app.add_subcommand("export", "access answers and photo exports");
  exp->require_subcommand(1);
  {
    auto* cmd = exp->add_subcommand("person", "everything stored about a listed person, as a zip");
    auto name = std::make_shared<std::string>();
    auto out_path = std::make_shared<std::string>();
    cmd->add_option("name", *name, "name, alias or URI")->required();
    cmd->add_option("--out", *out_path, "the zip to write")->required();
    cmd->callback([&cli, name, out_path] {
      cli.run = [&cli, name, out_path] {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto report = privacy::ExportPerson(**store, *name, *out_path, cli.Actor());
        if (!report) return cli.Report(report.error());
        if (cli.json) {
          std::cout << Json{{"zip", report->zip.string()},
                            {"photos", report->photos},
                            {"profiles", report->profiles},
                            {"audit_entries", report->audit_entries}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << "wrote " << report->zip.string() << ": " << report->profiles
                    << " profile source(s), " << report->photos << " photo(s), "
                    << report->audit_entries << " audit entr(ies); no embeddings\n";
        }
        return int{kExitOk};
      };
    });
  }
  struct PhotoArgs {
    std::vector<PhotoId> ids;
    std::string person, text, from, to, email, webhook, dir, smtp, mail_from, url;
    int hours = 72;
    bool background = false;
  };
  {
    auto* cmd = exp->add_subcommand("photos", "a zip of archived photos with their names");
    auto a = std::make_shared<PhotoArgs>();
    cmd->add_option("ids", a->ids, "photo ids");
    cmd->add_option("--person", a->person, "photos picturing this person");
    cmd->add_option("--text", a->text, "photos with these words");
    cmd->add_option("--from", a->from, "photos dated from (ISO 8601 prefix)");
    cmd->add_option("--to", a->to, "photos dated up to");
    cmd->add_option("--email", a->email, "announce the download to this address");
    cmd->add_option("--webhook", a->webhook, "POST a notice to this http:// URL");
    cmd->add_option("--expires-hours", a->hours, "lifetime of the download link (default 72)");
    cmd->add_option("--export-dir", a->dir, "where zips are kept (default: exports/ by the db)");
    cmd->add_option("--smtp", a->smtp, "SMTP relay HOST[:PORT] (default 127.0.0.1:25)");
    cmd->add_option("--mail-from", a->mail_from, "sender address");
    cmd->add_option("--download-url", a->url, "link prefix the token is appended to");
    cmd->add_flag("--background", a->background, "only queue the job (`facetag jobs run`)");
    cmd->callback([&cli, a] {
      cli.run = [&cli, a] {
        auto notify = ParseNotify(a->smtp, a->mail_from, a->url);
        if (!notify) return cli.Report(notify.error());
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        privacy::PhotoExportRequest request;
        request.photos = a->ids;
        request.email = a->email;
        request.webhook = a->webhook;
        request.expires_hours = a->hours;
        request.actor = cli.Actor();
        if (!a->person.empty() || !a->text.empty() || !a->from.empty() || !a->to.empty()) {
          SearchQuery query;
          if (!a->person.empty()) {
            auto person = (*store)->FindPerson(a->person);
            if (!person) return cli.Report(person.error());
            query.person = person->id;
          }
          query.text = a->text;
          query.date_from = a->from;
          query.date_to = a->to;
          request.query = query;
        }
        auto ticket = privacy::StartPhotoExport(**store, request);
        if (!ticket) return cli.Report(ticket.error());
        const JobId job = ticket->job;
        Json out = {{"job_id", job}, {"token", ticket->token}};
        if (!cli.json) {
          std::cout << "your zip file is being created (job " << job
                    << "); download token: " << ticket->token << "\n";
        }
        int code = kExitOk;
        if (a->background) {
          if (!cli.json) std::cout << "queued: `facetag jobs run` builds it\n";
        } else {
          privacy::JobRunOptions options;
          options.export_folder = ExportFolder(cli, a->dir);
          options.notify = *notify;
          options.allow_list_file = AllowListFile(cli);
          options.download_token = ticket->token;
          code = RunJobNow(cli, **store, job, options, out);
          if (!cli.json && code != kExitUsage) {
            std::cout
                << "zip: "
                << (options.export_folder / ("export-" + std::to_string(job) + ".zip")).string()
                << "\n";
          }
        }
        if (cli.json) std::cout << out.dump(2) << "\n";
        return code;
      };
    });
  }
  {
    auto* cmd = exp->add_subcommand("download", "the zip a download token opens, until it expires");
    auto token = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    cmd->add_option("token", *token, "the token of the export")->required();
    cmd->add_option("--export-dir", *dir, "where zips are kept");
    cmd->callback([&cli, token, dir] {
      cli.run = [&cli, token, dir] {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto zip = privacy::OpenDownload(**store, *token, std::chrono::system_clock::now(),
                                         ExportFolder(cli, *dir));
        if (!zip) return cli.Report(zip.error());
        if (cli.json) {
          std::cout << Json{{"zip", zip->string()}}.dump(2) << "\n";
        } else {
          std::cout << zip->string() << "\n";
        }
        return int{kExitOk};
      };
    });
  }
}

void AddJobs(CLI::App& app, Cli& cli) {
  auto* jobs = app.add_subcommand("jobs", "background jobs: opt-out rewrites, photo exports");
  jobs->require_subcommand(1);
  auto* show = jobs->add_subcommand("show", "a job's status and progress");
  auto id = std::make_shared<JobId>(0);
  show->add_option("id", *id, "job number")->required();
  show->callback([&cli, id] {
    cli.run = [&cli, id] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto job = (*store)->service().GetJob(*id);
      if (!job) return cli.Report(job.error());
      if (cli.json) {
        std::cout << JobJson(*job).dump(2) << "\n";
      } else {
        std::cout << "job " << job->id << " " << job->kind << ": " << JobStatusName(job->status)
                  << ", " << job->done << "/" << job->total << "\n";
      }
      return int{kExitOk};
    };
  });
  auto* run = jobs->add_subcommand("run", "run or resume every unfinished job");
  auto dir = std::make_shared<std::string>();
  auto smtp = std::make_shared<std::string>();
  run->add_option("--export-dir", *dir, "where zips are kept");
  run->add_option("--smtp", *smtp, "SMTP relay HOST[:PORT]");
  run->callback([&cli, dir, smtp] {
    cli.run = [&cli, dir, smtp] {
      auto notify = ParseNotify(*smtp, "", "");
      if (!notify) return cli.Report(notify.error());
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto pending = privacy::UnfinishedJobs(**store);
      if (!pending) return cli.Report(pending.error());
      privacy::JobRunOptions options;
      options.export_folder = ExportFolder(cli, *dir);
      options.notify = *notify;
      options.allow_list_file = AllowListFile(cli);
      int code = kExitOk;
      Json out = Json::array();
      for (const Job& job : *pending) {
        Json one;
        const int done = RunJobNow(cli, **store, job.id, options, one);
        out.push_back(one);
        if (done != kExitOk) code = done;
      }
      if (cli.json) std::cout << out.dump(2) << "\n";
      if (!cli.json && pending->empty()) std::cout << "no unfinished jobs\n";
      return code;
    };
  });
}

void AddSuppressions(CLI::App& app, Cli& cli) {
  auto* sup = app.add_subcommand("suppression", "opt-out records (no names, encrypted templates)");
  sup->require_subcommand(1);
  sup->add_subcommand("list", "the records")->callback([&cli] {
    cli.run = [&cli] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto list = (*store)->privacy().ListSuppressions();
      if (!list) return cli.Report(list.error());
      Json out = Json::array();
      for (const auto& s : *list) {
        out.push_back(
            {{"id", s.id}, {"created_at", s.created_at}, {"names", s.names}, {"models", s.models}});
        if (!cli.json) {
          std::cout << s.id << "  " << s.created_at << "  " << s.names << " name hash(es), "
                    << s.models.size() << " template(s)\n";
        }
      }
      if (cli.json) std::cout << out.dump(2) << "\n";
      return int{kExitOk};
    };
  });
  auto* remove =
      sup->add_subcommand("remove", "withdraw a record (the person may be listed again)");
  auto id = std::make_shared<SuppressionId>(0);
  remove->add_option("id", *id, "record number")->required();
  remove->callback([&cli, id] {
    cli.run = [&cli, id] {
      auto store = cli.OpenStore();
      if (!store) return cli.Report(store.error());
      auto removed = (*store)->privacy().RemoveSuppression(*id, cli.Actor());
      if (!removed) return cli.Report(removed.error());
      if (!cli.json) std::cout << "suppression record " << *id << " withdrawn\n";
      return int{kExitOk};
    };
  });
}

}  // namespace

void AddPrivacyCommands(CLI::App& app, Cli& cli) {
  AddOptOut(app, cli);
  AddRequests(app, cli);
  AddLookup(app, cli);
  AddRetention(app, cli);
  AddAudit(app, cli);
  AddExports(app, cli);
  AddJobs(app, cli);
  AddSuppressions(app, cli);
}

}  // namespace facetag::cli
