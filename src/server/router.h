// The route table of the API: each route's method, path, roles and
// description in one place. The server installs its handlers from the table
// (with authentication, the role check, metrics and the exception fence
// around each) and /openapi.json is generated from the same table, so the
// description cannot drift from what is served.
//
// Thread safety: Add only before Install; afterwards read-only.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "facetag/service_store.h"
#include "metrics.h"

namespace facetag::server {

// Who is calling: the key that authenticated the request (empty on public
// routes) and the actor name written into the audit log.
struct Caller {
  std::optional<ApiKey> key;
  std::string actor;  // "key:12 (picture desk)"
};

using Handler = std::function<void(const Caller&, const httplib::Request&, httplib::Response&)>;

// What the route takes as its body, for the OpenAPI description.
enum class Body { kNone, kJson, kPhoto };

struct Route {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  // OpenAPI path template: "/api/v1/persons/{id}". Each {param} matches one
  // path segment and is the handler's next regex capture.
  std::string path;
  // Who may call it. Empty: a public route (no key needed).
  std::vector<Role> roles;
  std::string summary;
  Body body = Body::kNone;
  // Query parameters, for the description: name -> meaning.
  std::vector<std::pair<std::string, std::string>> query = {};
  // Status of a success (200, 201, 202, 204).
  int success = 200;
};

class Router {
 public:
  // `max_body_bytes`: a body decoded larger than this is refused (413), as
  // a chunked body may come close to the limit on the wire and pass it
  // decoded.
  Router(ServiceStore& keys, Metrics& metrics, std::size_t max_body_bytes)
      : keys_(keys), metrics_(metrics), max_body_bytes_(max_body_bytes) {}

  void Add(Route route, Handler handler);
  // Registers every route on `server`.
  void Install(httplib::Server& server);

  // Decides a request from its method, path and headers alone, before its
  // body is read (the front's admission hook): true when it may go on (a
  // route that allows the caller, or a GET of a path no route has: a web
  // page or httplib's 404). Else fills `res` and returns false:
  //   404 for another method on a path no route has;
  //   405 with "Allow" for a method the path's routes do not have;
  //   401 without a key or with an unknown or revoked key;
  //   403 for a role the route does not allow.
  // The caller it authenticated is kept for the route's handler on this
  // thread, so the key is checked once per request.
  bool Admit(const httplib::Request& req, httplib::Response& res);

  // The OpenAPI 3.0 document describing every route.
  nlohmann::json OpenApi(const std::string& version) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  // The caller of `route`, or the refusal already written to `res`.
  std::optional<Caller> Authorize(const Route& route, const httplib::Request& req,
                                  httplib::Response& res);
  void Serve(const Route& route, const Handler& handler, const httplib::Request& req,
             httplib::Response& res);

  ServiceStore& keys_;
  Metrics& metrics_;
  const std::size_t max_body_bytes_;
  std::vector<Route> routes_;
  std::vector<std::regex> patterns_;
  std::vector<Handler> handlers_;
};

// The secret a request presents: "Authorization: Bearer S" or "X-API-Key: S".
std::string PresentedSecret(const httplib::Request& req);

}  // namespace facetag::server
