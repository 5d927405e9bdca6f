// sysmon_gtest.cpp: the SysMon driver's test written with GoogleTest instead of CMocka (the
// same driver object file, the same pssim calls). Built only when find_package(GTest) succeeds;
// docs/testing-a-driver.md shows it.
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include <pssim/pssim.h>

#include "sysmon_common.h"

extern "C" DRIVER_INITIALIZE DriverEntry; // sysmon.cpp

namespace
{

constexpr ULONG kSysMonTag = 'MsyS';

// A machine with SysMon loaded and \??\SysMon open, as the client sees it.
class SysMonTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(pssim_machine_create(nullptr, &m_), STATUS_SUCCESS);
        ASSERT_EQ(
            pssim_driver_load(m_, DriverEntry, "sysmon", PSSIM_DRIVER_FORCE_INTEGRITY, &driver_),
            STATUS_SUCCESS);
        ASSERT_EQ(pssim_device_open(m_, nullptr, "\\??\\SysMon", &file_), STATUS_SUCCESS);
    }

    void TearDown() override
    {
        pssim_device_close(file_);
        if (driver_ != nullptr) {
            EXPECT_EQ(pssim_driver_unload(m_, driver_), STATUS_SUCCESS);
        }
        pssim_bugcheck bc;
        EXPECT_FALSE(pssim_machine_bugcheck(m_, &bc)) << bc.text;
        uint64_t bytes = 1, blocks = 1;
        pssim_pool_usage(m_, kSysMonTag, &bytes, &blocks);
        EXPECT_EQ(blocks, 0u) << "SysMon leaked " << bytes << " bytes of pool";
        EXPECT_EQ(pssim_pool_report_leaks(m_, nullptr, nullptr), 0u);
        pssim_machine_destroy(m_);
    }

    HANDLE StartProcess(const char *image, const char *command_line)
    {
        pssim_process_params p;
        pssim_process_params_init(&p);
        p.image_path = image;
        p.command_line = command_line;
        HANDLE pid = nullptr;
        EXPECT_EQ(pssim_process_create(m_, &p, &pid, nullptr), STATUS_SUCCESS);
        return pid;
    }

    // One read of `length` bytes; the records it returned, in order.
    std::vector<const ItemHeader *> Read(uint32_t length, NTSTATUS expected = STATUS_SUCCESS)
    {
        buffer_.assign(length / 8 + 1, 0);
        uint64_t got = 0;
        EXPECT_EQ(pssim_device_read(file_, buffer_.data(), length, &got), expected);
        std::vector<const ItemHeader *> records;
        auto bytes = reinterpret_cast<const unsigned char *>(buffer_.data());
        for (uint64_t at = 0; at < got;) {
            auto h = reinterpret_cast<const ItemHeader *>(bytes + at);
            EXPECT_EQ(h->Size % 8, 0u);
            records.push_back(h);
            at += h->Size;
        }
        return records;
    }

    pssim_machine *m_ = nullptr;
    PDRIVER_OBJECT driver_ = nullptr;
    pssim_device_file *file_ = nullptr;
    std::vector<uint64_t> buffer_; // 8-byte aligned records
};

std::string CommandLine(const ItemHeader *h)
{
    auto info = reinterpret_cast<const ProcessCreateInfo *>(h);
    auto text = reinterpret_cast<const WCHAR *>(reinterpret_cast<const char *>(h) +
                                                info->CommandLineOffset);
    return std::string(text, text + info->CommandLineLength); // ASCII in these tests
}

TEST_F(SysMonTest, ReadsAProcessLife)
{
    HANDLE pid = StartProcess("\\Device\\HarddiskVolume2\\Windows\\notepad.exe", "notepad a.txt");
    ASSERT_EQ(pssim_process_terminate(m_, pid, 42), STATUS_SUCCESS);

    auto records = Read(64 * 1024);
    ASSERT_EQ(records.size(), 6u);
    EXPECT_EQ(records[0]->Type, ItemType::ProcessCreate);
    EXPECT_EQ(CommandLine(records[0]), "notepad a.txt");
    EXPECT_EQ(records[1]->Type, ItemType::ThreadCreate);
    EXPECT_EQ(records[2]->Type, ItemType::ImageLoad); // notepad.exe
    EXPECT_EQ(records[3]->Type, ItemType::ImageLoad); // ntdll.dll
    EXPECT_EQ(records[4]->Type, ItemType::ThreadExit);
    ASSERT_EQ(records[5]->Type, ItemType::ProcessExit);
    auto exit = reinterpret_cast<const ProcessExitInfo *>(records[5]);
    EXPECT_EQ(exit->ProcessId, static_cast<ULONG>(reinterpret_cast<uintptr_t>(pid)));
    EXPECT_EQ(exit->ExitCode, 42u);
}

TEST_F(SysMonTest, BufferTooSmallForOneRecord)
{
    HANDLE pid = StartProcess("\\Device\\HarddiskVolume2\\Windows\\notepad.exe", nullptr);
    EXPECT_TRUE(Read(sizeof(ItemHeader), STATUS_BUFFER_TOO_SMALL).empty());
    EXPECT_EQ(Read(64 * 1024).size(), 4u); // nothing was lost
    ASSERT_EQ(pssim_process_terminate(m_, pid, 0), STATUS_SUCCESS);
}

TEST_F(SysMonTest, StatsCountWhatWasRecorded)
{
    HANDLE pid = StartProcess("\\Device\\HarddiskVolume2\\Windows\\notepad.exe", nullptr);
    SysMonStats stats{};
    uint64_t got = 0;
    ASSERT_EQ(
        pssim_device_ioctl(file_, IOCTL_SYSMON_GET_STATS, nullptr, 0, &stats, sizeof(stats), &got),
        STATUS_SUCCESS);
    EXPECT_EQ(got, sizeof(stats));
    EXPECT_EQ(stats.QueuedItems, 4u);
    EXPECT_EQ(stats.Recorded, 4u);
    EXPECT_EQ(stats.MaxItems, static_cast<ULONG>(SYSMON_MAX_ITEMS));
    ASSERT_EQ(pssim_process_terminate(m_, pid, 0), STATUS_SUCCESS);
}

} // namespace
