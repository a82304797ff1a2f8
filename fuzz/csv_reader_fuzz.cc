// Fuzz target: the CSV reader (sink/csv_format.h) on arbitrary bytes, fed
// through an in-memory file. It must never crash; rows it accepts must write
// back to CSV without trouble.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "sink/csv_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static int fd = memfd_create("csv_fuzz", 0);
  if (fd < 0) return 0;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::string out;
  (void)starling::sink::ReadCsvPosts(path, [&](starling::model::Post&& p) {
    out.clear();
    starling::sink::AppendCsvRow(p, &out);
    return starling::Status::Ok();
  });
  return 0;
}
