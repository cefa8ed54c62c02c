#include "core/safe_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wpm {
namespace {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/wpm-safe-file-XXXXXX";
  char* dir = ::mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

size_t entries(const std::string& dir) {
  size_t n = 0;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  ::closedir(d);
  return n;
}

struct SafeFile : ::testing::Test {
  std::string dir = make_temp_dir();
  ~SafeFile() override { std::system(("rm -rf " + dir).c_str()); }
};

TEST_F(SafeFile, CreatesAPrivateFileWhateverTheUmask) {
  mode_t old = ::umask(0);
  Status s = replace_file(dir + "/pid", "42\n");
  ::umask(old);
  ASSERT_TRUE(s.ok()) << s.error().message;
  struct stat st{};
  ASSERT_EQ(::stat((dir + "/pid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(slurp(dir + "/pid"), "42\n");
  EXPECT_EQ(entries(dir), 1u);  // no temporary left behind
}

TEST_F(SafeFile, ReplacesAPlantedSymlinkInsteadOfFollowingIt) {
  std::string victim = dir + "/victim";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(::symlink(victim.c_str(), (dir + "/report.json").c_str()), 0);
  ASSERT_TRUE(replace_file(dir + "/report.json", "{}").ok());
  struct stat st{};
  ASSERT_EQ(::lstat((dir + "/report.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(slurp(dir + "/report.json"), "{}");
  EXPECT_EQ(slurp(victim), "precious");
}

TEST_F(SafeFile, ReplacesAPlantedFileWithoutWritingIntoIt) {
  std::string planted = dir + "/wpm.pid";
  std::ofstream(planted) << "planted";
  ASSERT_EQ(::link(planted.c_str(), (dir + "/other-name").c_str()), 0);
  ASSERT_TRUE(replace_file(planted, "1\n").ok());
  EXPECT_EQ(slurp(planted), "1\n");
  EXPECT_EQ(slurp(dir + "/other-name"), "planted");  // the planted inode is untouched
}

TEST_F(SafeFile, FailsCleanlyInAMissingDirectory) {
  Status s = replace_file(dir + "/missing/file", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(dir + "/missing/file"), std::string::npos);
}

TEST_F(SafeFile, UnlinksOnlyTheFileItWrote) {
  std::string path = dir + "/wpm.pid";
  Result<FileId> id = replace_file_id(path, "1\n");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(replace_file(path, "2\n").ok());  // someone else's file there now
  unlink_if_same(path, *id);
  EXPECT_EQ(slurp(path), "2\n");
  Result<FileId> mine = replace_file_id(path, "3\n");
  ASSERT_TRUE(mine.ok());
  unlink_if_same(path, *mine);
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
}

TEST_F(SafeFile, ReadRefusesASymlink) {
  ASSERT_TRUE(replace_file(dir + "/state.json", "{}").ok());
  ASSERT_EQ(::symlink((dir + "/state.json").c_str(), (dir + "/link").c_str()), 0);
  Result<std::string> direct = read_file_nofollow(dir + "/state.json");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*direct, "{}");
  EXPECT_FALSE(read_file_nofollow(dir + "/link").ok());
}

}  // namespace
}  // namespace wpm
