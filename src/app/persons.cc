// The list: who is on it, under which names, and why.
#include "facetag/app.h"

namespace facetag::app {

Result<Person> App::ListPerson(const NewPerson& person, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckPersonName(person.name));
  FACETAG_RETURN_IF_ERROR(CheckAliases(person.aliases));
  FACETAG_RETURN_IF_ERROR(CheckListing(person.criteria, person.justification));
  FACETAG_ASSIGN_OR_RETURN(Person listed, store_.AddPerson(person, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  return listed;
}

Result<Person> App::UpdatePerson(PersonId id, const PersonUpdate& update, std::string_view actor) {
  if (!update.name && !update.justification && !update.criteria) {
    return Fail(ErrorCode::kInvalidArgument,
                "nothing to change: give a name, a justification or criteria");
  }
  FACETAG_ASSIGN_OR_RETURN(const Person current, store_.GetPerson(id));
  if (update.name) FACETAG_RETURN_IF_ERROR(CheckPersonName(*update.name));
  // The person stays listed, so the result must still meet the rule.
  FACETAG_RETURN_IF_ERROR(CheckListing(update.criteria.value_or(current.criteria),
                                       update.justification.value_or(current.justification)));
  FACETAG_ASSIGN_OR_RETURN(Person updated, store_.UpdatePerson(id, update, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  return updated;
}

Result<Person> App::AddAlias(PersonId id, const std::string& alias, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckPersonName(alias, "alias"));
  FACETAG_ASSIGN_OR_RETURN(const Person current, store_.GetPerson(id));
  std::vector<std::string> aliases = current.aliases;
  aliases.push_back(alias);
  FACETAG_RETURN_IF_ERROR(CheckAliases(aliases));
  FACETAG_RETURN_IF_ERROR(store_.AddAlias(id, alias, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  return store_.GetPerson(id);
}

Result<Person> App::RemoveAlias(PersonId id, const std::string& alias, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(store_.RemoveAlias(id, alias, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  return store_.GetPerson(id);
}

Result<UnlistOutcome> App::UnlistPerson(PersonId id, std::string_view actor, bool write_metadata) {
  UnlistOutcome outcome;
  FACETAG_ASSIGN_OR_RETURN(outcome.removed, store_.GetPerson(id));
  // The photos whose names change, found before the person goes.
  SearchQuery query;
  query.person = id;
  query.include_mentioned = true;
  query.limit = 10000;
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, store_.archive().Search(query));
    for (const SearchHit& hit : hits) outcome.photos.push_back(hit.photo);
    if (hits.size() < static_cast<std::size_t>(query.limit)) break;
    query.offset += query.limit;
  }
  FACETAG_RETURN_IF_ERROR(store_.RemovePerson(id, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  if (write_metadata) {
    for (const PhotoId photo : outcome.photos) {
      auto written = WriteTags(photo);
      if (!written) outcome.write_errors.emplace_back(photo, written.error());
    }
  }
  return outcome;
}

Result<ListFollowUp> App::FollowListChange(PersonId person) {
  ListFollowUp follow_up;
  FACETAG_ASSIGN_OR_RETURN(const ArchiveCounts counts, store_.archive().Counts());
  follow_up.archived_faces = counts.faces;
  if (counts.faces > options_.inline_rematch_faces) {
    follow_up.deferred = true;
    return follow_up;
  }
  RematchOptions options;
  options.person = person;
  FACETAG_ASSIGN_OR_RETURN(follow_up.rematched, Rematch(options));
  return follow_up;
}

}  // namespace facetag::app
