// File: sink/mongodb/client.cc
#include "sink/mongodb/client.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "common/log.h"

namespace starling::sink::mongodb {
namespace {

// libmongoc is initialised once per process, from whichever thread opens
// the first client, and cleaned up at exit.
void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_init();
    // libmongoc's own log lines (stderr, every level) would bypass ours:
    // its errors reach us as bson_error_t; only its warnings and worse are
    // worth a line.
    mongoc_log_set_handler(
        [](mongoc_log_level_t level, const char* domain, const char* message, void*) {
          const std::string_view m = message == nullptr ? "" : message;
          // FerretDB has no endSessions: libmongoc's goodbye to the
          // server's implicit sessions fails, harmlessly.
          if (m.find("\"endSessions\"") != std::string_view::npos) return;
          if (level <= MONGOC_LOG_LEVEL_WARNING) {
            log::Warn("libmongoc {}: {}", domain == nullptr ? "" : domain, m);
          }
        },
        nullptr);
    std::atexit([] { mongoc_cleanup(); });
  });
}

// Server error codes that mean the server is going away or was not reached
// (the command itself was fine): HostUnreachable, HostNotFound,
// NetworkTimeout, ShutdownInProgress, PrimarySteppedDown, SocketException,
// NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
// NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
bool TransientServerCode(std::uint32_t code) {
  constexpr std::uint32_t kCodes[] = {6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

}  // namespace

Client::Client(Client&& o) noexcept
    : client_(std::exchange(o.client_, nullptr)),
      database_(std::move(o.database_)),
      display_(std::move(o.display_)),
      has_password_(o.has_password_) {}

Client& Client::operator=(Client&& o) noexcept {
  if (this != &o) {
    if (client_ != nullptr) mongoc_client_destroy(client_);
    client_ = std::exchange(o.client_, nullptr);
    database_ = std::move(o.database_);
    display_ = std::move(o.display_);
    has_password_ = o.has_password_;
  }
  return *this;
}

Client::~Client() {
  if (client_ != nullptr) mongoc_client_destroy(client_);
}

Result<Client> Client::Open(const server::Address& a, std::chrono::microseconds connect_timeout) {
  InitOnce();
  Client c;
  c.database_ = a.database;
  c.display_ = a.display;
  c.has_password_ = a.password.has_value();
  // The URI is built field by field, so the password is never written into
  // a string that could end up in a message.
  mongoc_uri_t* uri = mongoc_uri_new_for_host_port(a.host.c_str(), static_cast<uint16_t>(a.port));
  if (uri == nullptr) return InvalidArgument("MongoDB " + a.display + ": not a valid host");
  const auto ms = static_cast<std::int32_t>(std::clamp<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(connect_timeout).count(), 1,
      INT32_MAX));
  bool ok = mongoc_uri_set_database(uri, a.database.c_str()) &&
            mongoc_uri_set_appname(uri, "starling") &&
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, ms) &&
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, ms) &&
            // Our own retries (server::WithRetries) try a whole batch again.
            mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYWRITES, false) &&
            mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYREADS, false);
  // Without a password, no login (a server that trusts its network).
  if (ok && a.password) {
    ok = mongoc_uri_set_username(uri, a.user.empty() ? "starling" : a.user.c_str()) &&
         mongoc_uri_set_password(uri, a.password->c_str()) &&
         mongoc_uri_set_auth_source(uri, a.database.c_str());
  }
  if (!ok) {
    mongoc_uri_destroy(uri);
    return InvalidArgument("MongoDB " + a.display + ": the user or database is not valid UTF-8");
  }
  bson_error_t error;
  c.client_ = mongoc_client_new_from_uri_with_error(uri, &error);
  mongoc_uri_destroy(uri);
  if (c.client_ == nullptr) return c.Failure("connecting", error);
  mongoc_client_set_error_api(c.client_, MONGOC_ERROR_API_VERSION_2);
  Bson ping = NewBson();
  BSON_APPEND_INT32(ping.get(), "ping", 1);
  STARLING_RETURN_IF_ERROR(c.Command(*ping, "connecting"));
  return c;
}

Collection Client::Get(std::string_view collection) const {
  return Collection(
      mongoc_client_get_collection(client_, database_.c_str(), std::string(collection).c_str()));
}

Status Client::Command(const bson_t& command, std::string_view what, Bson* reply) {
  if (client_ == nullptr) return Unavailable("MongoDB " + display_ + ": not connected");
  bson_t out;
  bson_error_t error;
  const bool ok =
      mongoc_client_command_simple(client_, database_.c_str(), &command, nullptr, &out, &error);
  if (ok && reply != nullptr) {
    *reply = Bson(bson_copy(&out));
  }
  bson_destroy(&out);
  return ok ? Status::Ok() : Failure(what, error);
}

Result<bool> Client::Has(std::string_view collection) {
  Bson cmd = NewBson();
  BSON_APPEND_INT32(cmd.get(), "listCollections", 1);
  bson_t filter;
  BSON_APPEND_DOCUMENT_BEGIN(cmd.get(), "filter", &filter);
  AppendText(&filter, "name", collection);
  bson_append_document_end(cmd.get(), &filter);
  BSON_APPEND_BOOL(cmd.get(), "nameOnly", true);
  Bson reply;
  STARLING_RETURN_IF_ERROR(Command(*cmd, "listing collections", &reply));
  bson_iter_t it;
  bson_iter_t batch;
  if (bson_iter_init(&it, reply.get()) &&
      bson_iter_find_descendant(&it, "cursor.firstBatch", &batch) &&
      BSON_ITER_HOLDS_ARRAY(&batch)) {
    bson_iter_t docs;
    return bson_iter_recurse(&batch, &docs) && bson_iter_next(&docs);
  }
  return IoError("MongoDB " + display_ + ": listCollections gave no cursor");
}

Status Client::Drop(std::string_view collection) {
  Collection c = Get(collection);
  bson_error_t error;
  if (mongoc_collection_drop_with_opts(c.get(), nullptr, &error)) return Status::Ok();
  // NamespaceNotFound: nothing to drop.
  if (error.domain == MONGOC_ERROR_SERVER && error.code == 26) return Status::Ok();
  return Failure("dropping " + std::string(collection), error);
}

Status Client::Failure(std::string_view what, const bson_error_t& e) const {
  const std::string text = "MongoDB " + display_ + ": " + std::string(what) + ": " + e.message;
  switch (e.domain) {
    case MONGOC_ERROR_STREAM:
    case MONGOC_ERROR_SERVER_SELECTION:
    case MONGOC_ERROR_PROTOCOL:
      return Unavailable(text);
    case MONGOC_ERROR_CLIENT:
      if (e.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) {
        // A refused login is not worth trying again; a connection lost
        // while logging in is.
        const std::string_view m = e.message;
        if (m.find("uthentication failed") != std::string_view::npos) {
          return InvalidArgument(text + (has_password_ ? ""
                                                       : " (set MONGODB_PASSWORD, or run `starling "
                                                         "configure`)"));
        }
        return Unavailable(text);
      }
      return e.code == MONGOC_ERROR_CLIENT_TOO_BIG ? InvalidArgument(text) : Unavailable(text);
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_WRITE_CONCERN:
    case MONGOC_ERROR_QUERY:
    case MONGOC_ERROR_COMMAND:
    case MONGOC_ERROR_COLLECTION:
      return TransientServerCode(e.code) ? Unavailable(text) : InvalidArgument(text);
    case MONGOC_ERROR_BSON:
      return InvalidArgument(text);
    default:
      return IoError(text);
  }
}

Writes::Writes(Client& client, std::string_view collection, bool ordered)
    : client_(client), collection_(client.Get(collection)), name_(collection), ordered_(ordered) {}

Status Writes::Begin() {
  if (bulk_) return Status::Ok();
  Bson opts = NewBson();
  BSON_APPEND_BOOL(opts.get(), "ordered", ordered_);
  bulk_.reset(mongoc_collection_create_bulk_operation_with_opts(collection_.get(), opts.get()));
  return Status::Ok();
}

Status Writes::Insert(const bson_t& doc) {
  STARLING_RETURN_IF_ERROR(Begin());
  bson_error_t error;
  if (!mongoc_bulk_operation_insert_with_opts(bulk_.get(), &doc, nullptr, &error)) {
    return client_.Failure("inserting into " + name_, error);
  }
  empty_ = false;
  return Status::Ok();
}

Status Writes::ReplaceUpsert(const bson_t& selector, const bson_t& doc) {
  STARLING_RETURN_IF_ERROR(Begin());
  Bson opts = NewBson();
  BSON_APPEND_BOOL(opts.get(), "upsert", true);
  BSON_APPEND_BOOL(opts.get(), "validate", false);  // see post_sink.cc
  bson_error_t error;
  if (!mongoc_bulk_operation_replace_one_with_opts(bulk_.get(), &selector, &doc, opts.get(),
                                                   &error)) {
    return client_.Failure("replacing in " + name_, error);
  }
  return Counted();
}

Status Writes::UpdateUpsert(const bson_t& selector, const bson_t& update) {
  STARLING_RETURN_IF_ERROR(Begin());
  Bson opts = NewBson();
  BSON_APPEND_BOOL(opts.get(), "upsert", true);
  bson_error_t error;
  if (!mongoc_bulk_operation_update_one_with_opts(bulk_.get(), &selector, &update, opts.get(),
                                                  &error)) {
    return client_.Failure("updating " + name_, error);
  }
  return Counted();
}

Status Writes::RemoveMany(const bson_t& selector) {
  STARLING_RETURN_IF_ERROR(Begin());
  bson_error_t error;
  if (!mongoc_bulk_operation_remove_many_with_opts(bulk_.get(), &selector, nullptr, &error)) {
    return client_.Failure("deleting from " + name_, error);
  }
  return Counted();
}

Status Writes::Counted() {
  empty_ = false;
  if (++querying_ < kQueryingStatements) return Status::Ok();
  return Finish();
}

Status Writes::Finish() {
  if (empty_) return Status::Ok();
  bson_t reply;
  bson_error_t error;
  const bool ok = mongoc_bulk_operation_execute(bulk_.get(), &reply, &error) != 0;
  bson_destroy(&reply);
  bulk_.reset();
  querying_ = 0;
  empty_ = true;
  return ok ? Status::Ok() : client_.Failure("writing " + name_, error);
}

Result<Client> ConnectRetrying(const server::Address& address, const server::RetryPolicy& retry) {
  Client c;
  STARLING_RETURN_IF_ERROR(
      server::WithRetries(retry, "connecting to MongoDB " + address.display, [&]() -> Status {
        STARLING_ASSIGN_OR_RETURN(c, Client::Open(address, retry.connect_timeout));
        return Status::Ok();
      }));
  return c;
}

}  // namespace starling::sink::mongodb
