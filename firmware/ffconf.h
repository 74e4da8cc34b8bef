// FatFs R0.16 configuration for k210-kpu: two volumes, 0: = SD card (/sd), 1: = the flash
// filesystem region (/flash, 4 KiB sectors). Paths are resolved by firmware/vfs.c, so FatFs
// needs no relative paths or volume strings.
#define FFCONF_DEF          80386

#define FF_FS_READONLY      0
#define FF_FS_MINIMIZE      0
#define FF_USE_FIND         0
#define FF_USE_MKFS         1       // first boot formats the flash region (and a new SD image)
#define FF_USE_FASTSEEK     0
#define FF_USE_EXPAND       0
#define FF_USE_CHMOD        0
#define FF_USE_LABEL        0
#define FF_USE_FORWARD      0
#define FF_USE_STRFUNC      0
#define FF_PRINT_LLI        0
#define FF_PRINT_FLOAT      0
#define FF_STRF_ENCODE      0

#define FF_CODE_PAGE        437
#define FF_USE_LFN          1       // static work buffer: one interpreter thread
#define FF_MAX_LFN          255
#define FF_LFN_UNICODE      2       // UTF-8 names, as Python strings are
#define FF_LFN_BUF          255
#define FF_SFN_BUF          12
#define FF_FS_RPATH         0
#define FF_PATH_DEPTH       10

#define FF_VOLUMES          2
#define FF_STR_VOLUME_ID    0
#define FF_VOLUME_STRS      "SD","FLASH"
#define FF_MULTI_PARTITION  0
#define FF_MIN_SS           512
#define FF_MAX_SS           4096
#define FF_LBA64            0
#define FF_MIN_GPT          0x10000000
#define FF_USE_TRIM         0

#define FF_FS_TINY          0
#define FF_FS_EXFAT         0
#define FF_FS_NORTC         0       // get_fattime() comes from the board clock
#define FF_NORTC_MON        1
#define FF_NORTC_MDAY       1
#define FF_NORTC_YEAR       2025
#define FF_FS_CRTIME        0
#define FF_FS_NOFSINFO      0
#define FF_FS_LOCK          0       // off as upstream: file.c keeps its own table (one writer per file, no remove/rename of an open file)
#define FF_FS_REENTRANT     0
#define FF_FS_TIMEOUT       1000
