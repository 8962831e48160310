#include "router.h"

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

void Router::Add(Route route, Handler handler) {
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

void Router::Serve(const Route& route, const Handler& handler, const httplib::Request& req,
                   httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  Caller caller;
  try {
    bool allowed = route.roles.empty();
    if (!allowed) {
      const std::string secret = PresentedSecret(req);
      if (secret.empty()) {
        res.set_header("WWW-Authenticate", "Bearer");
        SendError(res, 401, "unauthenticated",
                  "this endpoint needs an API key (Authorization: Bearer ...)");
      } else if (auto key = keys_.Authenticate(secret); !key) {
        SendError(res, ToApiError(key.error()));
      } else if (!key->has_value()) {
        res.set_header("WWW-Authenticate", "Bearer");
        SendError(res, 401, "unauthenticated", "the API key is unknown or revoked");
      } else {
        caller.key = **key;
        caller.actor = "key:" + std::to_string(caller.key->id) +
                       (caller.key->label.empty() ? "" : " (" + caller.key->label + ")");
        for (Role role : route.roles) allowed = allowed || role == caller.key->role;
        if (!allowed) {
          SendError(res, 403, "forbidden",
                    std::string("a ") + RoleName(caller.key->role) +
                        " key may not use this endpoint; it needs: " + RoleList(route.roles));
        }
      }
    }
    if (allowed) handler(caller, req, res);
  } catch (const std::exception& e) {
    SendError(res, ToApiError(Error{ErrorCode::kInternal, route.path + ": " + e.what()}));
  } catch (...) {
    SendError(res, ToApiError(Error{ErrorCode::kInternal, route.path + ": unknown exception"}));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveRequest(route.method, route.path, res.status, seconds);
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
