/* efi.h - the few UEFI types and services the boot application uses.
 *
 * Written from the UEFI Specification 2.10 (chapters 4 "EFI System Table",
 * 7 "Services - Boot Services", 8 "Services - Runtime Services", 9
 * "Protocols - EFI Loaded Image", 13.4 "Simple File System", 13.5 "File
 * Protocol" and 13.9 "Block I/O"). Only what is called is declared; table
 * slots the application never calls are kept as opaque pointers so that the
 * offsets of the ones it does call stay right.
 *
 * Built with clang --target=x86_64-unknown-windows, where the Microsoft x64
 * calling convention is the default, so EFIAPI needs no attribute here. */
#ifndef NTKIT_BOOT_EFI_H
#define NTKIT_BOOT_EFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NTKIT_BOOT_HOST_TEST: the host unit tests (boot/tests) compile the
 * firmware-independent files for the host and call them with fake
 * protocols built by the same compiler, so the ABI does not matter there. */
#if !defined(NTKIT_BOOT_HOST_TEST) && (!defined(__x86_64__) || !defined(_WIN32))
#error "efi.h expects clang --target=x86_64-unknown-windows (MS x64 ABI)"
#endif
#define EFIAPI

typedef uint64_t EFI_STATUS;
typedef void *EFI_HANDLE;
typedef void *EFI_EVENT;
typedef uint64_t EFI_LBA;
typedef uint64_t EFI_PHYSICAL_ADDRESS;
typedef uint16_t CHAR16;

/* Error codes have the top bit set (Appendix D). */
#define EFI_SUCCESS 0u
#define EFI_ERROR_BIT (1ull << 63)
#define EFI_ERROR(s) (((s)&EFI_ERROR_BIT) != 0)
#define EFI_BUFFER_TOO_SMALL (EFI_ERROR_BIT | 5u)
#define EFI_NOT_FOUND (EFI_ERROR_BIT | 14u)

typedef struct {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} EFI_GUID;

typedef struct {
    uint64_t Signature;
    uint32_t Revision;
    uint32_t HeaderSize;
    uint32_t CRC32;
    uint32_t Reserved;
} EFI_TABLE_HEADER;

/* ---- console output (12.4) --------------------------------------------- */

typedef struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL;
struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL {
    void *Reset;
    EFI_STATUS(EFIAPI *OutputString)(EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *self, const CHAR16 *s);
    void *TestString, *QueryMode, *SetMode, *SetAttribute, *ClearScreen, *SetCursorPosition, *EnableCursor,
        *Mode;
};

/* ---- boot services (7) ------------------------------------------------- */

typedef enum { AllocateAnyPages, AllocateMaxAddress, AllocateAddress } EFI_ALLOCATE_TYPE;
/* EfiLoaderData is what an application's own buffers are. */
enum { EfiLoaderData = 2 };
typedef enum { AllHandles, ByRegisterNotify, ByProtocol } EFI_LOCATE_SEARCH_TYPE;

typedef struct {
    EFI_TABLE_HEADER Hdr;
    /* task priority */
    void *RaiseTPL, *RestoreTPL;
    /* memory */
    EFI_STATUS(EFIAPI *AllocatePages)
    (EFI_ALLOCATE_TYPE type, uint32_t memory_type, uint64_t pages, EFI_PHYSICAL_ADDRESS *memory);
    EFI_STATUS(EFIAPI *FreePages)(EFI_PHYSICAL_ADDRESS memory, uint64_t pages);
    void *GetMemoryMap;
    void *AllocatePool;
    EFI_STATUS(EFIAPI *FreePool)(void *buffer);
    /* events and timers */
    void *CreateEvent, *SetTimer, *WaitForEvent, *SignalEvent, *CloseEvent, *CheckEvent;
    /* protocol handlers */
    void *InstallProtocolInterface, *ReinstallProtocolInterface, *UninstallProtocolInterface;
    EFI_STATUS(EFIAPI *HandleProtocol)(EFI_HANDLE handle, const EFI_GUID *protocol, void **iface);
    void *Reserved;
    void *RegisterProtocolNotify, *LocateHandle, *LocateDevicePath, *InstallConfigurationTable;
    /* images */
    void *LoadImage, *StartImage, *Exit, *UnloadImage, *ExitBootServices;
    /* miscellaneous */
    void *GetNextMonotonicCount;
    EFI_STATUS(EFIAPI *Stall)(uint64_t microseconds);
    EFI_STATUS(EFIAPI *SetWatchdogTimer)
    (uint64_t timeout, uint64_t code, uint64_t data_size, const CHAR16 *data);
    /* driver support, open/close protocol, library services */
    void *ConnectController, *DisconnectController;
    void *OpenProtocol, *CloseProtocol, *OpenProtocolInformation;
    void *ProtocolsPerHandle;
    EFI_STATUS(EFIAPI *LocateHandleBuffer)
    (EFI_LOCATE_SEARCH_TYPE type, const EFI_GUID *protocol, void *search_key, uint64_t *count,
     EFI_HANDLE **buffer);
    /* (LocateProtocol and the rest are not used) */
} EFI_BOOT_SERVICES;

/* ---- runtime services (8) ---------------------------------------------- */

typedef enum { EfiResetCold, EfiResetWarm, EfiResetShutdown, EfiResetPlatformSpecific } EFI_RESET_TYPE;

typedef struct {
    EFI_TABLE_HEADER Hdr;
    void *GetTime, *SetTime, *GetWakeupTime, *SetWakeupTime;
    void *SetVirtualAddressMap, *ConvertPointer;
    void *GetVariable, *GetNextVariableName, *SetVariable;
    void *GetNextHighMonotonicCount;
    void(EFIAPI *ResetSystem)(EFI_RESET_TYPE type, EFI_STATUS status, uint64_t data_size, const void *data);
} EFI_RUNTIME_SERVICES;

/* ---- system table (4.3) ------------------------------------------------ */

typedef struct {
    EFI_TABLE_HEADER Hdr;
    CHAR16 *FirmwareVendor;
    uint32_t FirmwareRevision;
    EFI_HANDLE ConsoleInHandle;
    void *ConIn;
    EFI_HANDLE ConsoleOutHandle;
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *ConOut;
    EFI_HANDLE StandardErrorHandle;
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *StdErr;
    EFI_RUNTIME_SERVICES *RuntimeServices;
    EFI_BOOT_SERVICES *BootServices;
    uint64_t NumberOfTableEntries;
    void *ConfigurationTable;
} EFI_SYSTEM_TABLE;

/* ---- loaded image (9.1) ------------------------------------------------ */

#define EFI_LOADED_IMAGE_PROTOCOL_GUID                                                                       \
    {                                                                                                        \
        0x5B1B31A1, 0x9562, 0x11D2,                                                                          \
        {                                                                                                    \
            0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B                                                   \
        }                                                                                                    \
    }

typedef struct {
    uint32_t Revision;
    EFI_HANDLE ParentHandle;
    EFI_SYSTEM_TABLE *SystemTable;
    EFI_HANDLE DeviceHandle; /* the volume the image was loaded from: the ESP */
    void *FilePath;
    void *Reserved;
    uint32_t LoadOptionsSize;
    void *LoadOptions;
    void *ImageBase;
    uint64_t ImageSize;
    uint32_t ImageCodeType, ImageDataType;
    void *Unload;
} EFI_LOADED_IMAGE_PROTOCOL;

/* ---- block I/O (13.9) -------------------------------------------------- */

#define EFI_BLOCK_IO_PROTOCOL_GUID                                                                           \
    {                                                                                                        \
        0x964E5B21, 0x6459, 0x11D2,                                                                          \
        {                                                                                                    \
            0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B                                                   \
        }                                                                                                    \
    }

typedef struct {
    uint32_t MediaId;
    bool RemovableMedia;
    bool MediaPresent;
    bool LogicalPartition; /* true for a partition, false for a whole disk */
    bool ReadOnly;
    bool WriteCaching;
    uint32_t BlockSize;
    uint32_t IoAlign; /* 0 or 1: any alignment; else a power of two */
    EFI_LBA LastBlock;
} EFI_BLOCK_IO_MEDIA;

typedef struct EFI_BLOCK_IO_PROTOCOL EFI_BLOCK_IO_PROTOCOL;
struct EFI_BLOCK_IO_PROTOCOL {
    uint64_t Revision;
    EFI_BLOCK_IO_MEDIA *Media;
    void *Reset;
    EFI_STATUS(EFIAPI *ReadBlocks)
    (EFI_BLOCK_IO_PROTOCOL *self, uint32_t media_id, EFI_LBA lba, uint64_t size, void *buffer);
    void *WriteBlocks, *FlushBlocks;
};

/* ---- simple file system and file protocol (13.4, 13.5) ----------------- */

#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID                                                                 \
    {                                                                                                        \
        0x964E5B22, 0x6459, 0x11D2,                                                                          \
        {                                                                                                    \
            0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B                                                   \
        }                                                                                                    \
    }

#define EFI_FILE_MODE_READ 0x0000000000000001ull

typedef struct EFI_FILE_PROTOCOL EFI_FILE_PROTOCOL;
struct EFI_FILE_PROTOCOL {
    uint64_t Revision;
    EFI_STATUS(EFIAPI *Open)
    (EFI_FILE_PROTOCOL *self, EFI_FILE_PROTOCOL **out, const CHAR16 *name, uint64_t mode,
     uint64_t attributes);
    EFI_STATUS(EFIAPI *Close)(EFI_FILE_PROTOCOL *self);
    void *Delete;
    EFI_STATUS(EFIAPI *Read)(EFI_FILE_PROTOCOL *self, uint64_t *size, void *buffer);
    void *Write, *GetPosition, *SetPosition, *GetInfo, *SetInfo, *Flush;
};

typedef struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL EFI_SIMPLE_FILE_SYSTEM_PROTOCOL;
struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL {
    uint64_t Revision;
    EFI_STATUS(EFIAPI *OpenVolume)(EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *self, EFI_FILE_PROTOCOL **root);
};

#endif
