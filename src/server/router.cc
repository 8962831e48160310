#include "router.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <regex>

#include "http.h"

namespace facetag::server {
namespace {

// "/api/v1/persons/{id}/aliases/{alias}" -> "/api/v1/persons/([^/]+)/aliases/([^/]+)"
std::string PathRegex(const std::string& path) {
  static const std::regex kParam(R"(\{[a-z_]+\})");
  return std::regex_replace(path, kParam, "([^/]+)");
}

std::vector<std::string> PathParams(const std::string& path) {
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  std::vector<std::string> names;
  for (std::sregex_iterator it(path.begin(), path.end(), kParam), end; it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

std::string RoleList(const std::vector<Role>& roles) {
  std::string text;
  for (Role role : roles) text += (text.empty() ? "" : ", ") + std::string(RoleName(role));
  return text;
}

}  // namespace

std::string PresentedSecret(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return authorization.substr(kBearer.size());
  }
  return req.get_header_value("X-API-Key");
}

// The caller Admit authenticated for the request on this thread, for the
// route's handler (Serve) that follows it.
struct Admitted {
  const Route* route = nullptr;
  Caller caller;
};
thread_local Admitted t_admitted;

void Router::Add(Route route, Handler handler) {
  patterns_.emplace_back(PathRegex(route.path));
  routes_.push_back(std::move(route));
  handlers_.push_back(std::move(handler));
}

void Router::Install(httplib::Server& server) {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route* route = &routes_[i];
    const Handler* handler = &handlers_[i];
    auto serve = [this, route, handler](const httplib::Request& req, httplib::Response& res) {
      Serve(*route, *handler, req, res);
    };
    const std::string pattern = PathRegex(route->path);
    if (route->method == "GET") {
      server.Get(pattern, serve);
    } else if (route->method == "POST") {
      server.Post(pattern, serve);
    } else if (route->method == "PATCH") {
      server.Patch(pattern, serve);
    } else if (route->method == "DELETE") {
      server.Delete(pattern, serve);
    } else if (route->method == "PUT") {
      server.Put(pattern, serve);
    }
  }
}

std::optional<Caller> Router::Authorize(const Route& route, const httplib::Request& req,
                                        httplib::Response& res) {
  Caller caller;
  if (route.roles.empty()) return caller;
  const std::string secret = PresentedSecret(req);
  if (secret.empty()) {
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, "unauthenticated",
              "this endpoint needs an API key (Authorization: Bearer ...)");
    return std::nullopt;
  }
  auto key = keys_.Authenticate(secret);
  if (!key) {
    SendError(res, ToApiError(key.error()));
    return std::nullopt;
  }
  if (!key->has_value()) {
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, "unauthenticated", "the API key is unknown or revoked");
    return std::nullopt;
  }
  caller.key = **key;
  caller.actor = "key:" + std::to_string(caller.key->id) +
                 (caller.key->label.empty() ? "" : " (" + caller.key->label + ")");
  for (Role role : route.roles) {
    if (role == caller.key->role) return caller;
  }
  SendError(res, 403, "forbidden",
            std::string("a ") + RoleName(caller.key->role) +
                " key may not use this endpoint; it needs: " + RoleList(route.roles));
  return std::nullopt;
}

bool Router::Admit(const httplib::Request& req, httplib::Response& res) {
  t_admitted = {};
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  const Route* route = nullptr;
  std::vector<std::string> allowed;
  for (std::size_t i = 0; i < routes_.size() && route == nullptr; ++i) {
    if (!std::regex_match(req.path, patterns_[i])) continue;
    if (routes_[i].method == method) {
      route = &routes_[i];
    } else {
      allowed.push_back(routes_[i].method);
      if (routes_[i].method == "GET") allowed.push_back("HEAD");
    }
  }
  if (route == nullptr) {
    if (allowed.empty()) {
      // Pages of the web folder, or httplib's 404.
      if (method == "GET") return true;
      SendError(res, 404, "not_found",
                "no such endpoint: " + req.method + " " + req.path.substr(0, 200));
      return false;
    }
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    res.set_header("Allow", allow);
    SendError(res, 405, "method_not_allowed",
              req.method + " is not allowed here; this path takes: " + allow);
    return false;
  }
  const auto start = std::chrono::steady_clock::now();
  std::optional<Caller> caller;
  try {
    caller = Authorize(*route, req, res);
  } catch (const std::exception& e) {
    SendError(res, ToApiError(Error{ErrorCode::kInternal, route->path + ": " + e.what()}));
  }
  if (!caller) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.ObserveRequest(route->method, route->path, res.status, seconds);
    return false;
  }
  t_admitted = {route, std::move(*caller)};
  return true;
}

void Router::Serve(const Route& route, const Handler& handler, const httplib::Request& req,
                   httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  try {
    std::optional<Caller> caller;
    if (t_admitted.route == &route) {
      caller = std::move(t_admitted.caller);
      t_admitted = {};
    } else {
      caller = Authorize(route, req, res);
    }
    std::size_t body = req.body.size();
    for (const auto& [name, file] : req.files) body += file.content.size();
    if (caller && body > max_body_bytes_) {
      SendError(res, 413, "payload_too_large", "the request body is larger than allowed");
    } else if (caller) {
      handler(*caller, req, res);
    }
  } catch (const std::exception& e) {
    SendError(res, ToApiError(Error{ErrorCode::kInternal, route.path + ": " + e.what()}));
  } catch (...) {
    SendError(res, ToApiError(Error{ErrorCode::kInternal, route.path + ": unknown exception"}));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A handler that only sets content leaves the status to httplib, which
  // answers 200 (206 for a range).
  const int status = res.status != -1 ? res.status : req.ranges.empty() ? 200 : 206;
  metrics_.ObserveRequest(route.method, route.path, status, seconds);
}

nlohmann::json Router::OpenApi(const std::string& version) const {
  using nlohmann::json;
  json paths = json::object();
  const json error_response = {
      {"description", "error"},
      {"content",
       {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  for (const Route& route : routes_) {
    json op;
    op["summary"] = route.summary;
    op["operationId"] = route.method + " " + route.path;
    json parameters = json::array();
    for (const std::string& name : PathParams(route.path)) {
      parameters.push_back(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    for (const auto& [name, meaning] : route.query) {
      parameters.push_back({{"name", name},
                            {"in", "query"},
                            {"required", false},
                            {"description", meaning},
                            {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    if (route.body == Body::kJson) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    } else if (route.body == Body::kPhoto) {
      op["requestBody"] = {
          {"required", true},
          {"content",
           {{"image/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}},
            {"multipart/form-data",
             {{"schema",
               {{"type", "object"},
                {"properties", {{"photo", {{"type", "string"}, {"format", "binary"}}}}}}}}}}}};
    }
    json responses = {{std::to_string(route.success), {{"description", "success"}}},
                      {"default", error_response}};
    if (!route.roles.empty()) {
      op["security"] = json::array({{{"bearer", json::array()}}});
      op["x-roles"] = json::array();
      for (Role role : route.roles) op["x-roles"].push_back(RoleName(role));
      op["description"] = "Roles: " + RoleList(route.roles) + ".";
      responses["401"] = {{"description", "no key, or an unknown or revoked key"}};
      responses["403"] = {{"description", "the key's role may not use this endpoint"}};
    } else {
      op["security"] = json::array();
    }
    op["responses"] = responses;
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.path][method] = op;
  }
  json error_schema = {{"type", "object"}};
  error_schema["properties"]["error"] = {
      {"type", "object"},
      {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}};
  json document;
  document["openapi"] = "3.0.3";
  document["info"] = {{"title", "facetag"},
                      {"version", version},
                      {"description",
                       "Recognition of listed public figures in press photos, the photo archive "
                       "and its search. See docs/http-api.md."}};
  document["paths"] = paths;
  document["components"]["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
  document["components"]["schemas"]["Error"] = error_schema;
  return document;
}

}  // namespace facetag::server
