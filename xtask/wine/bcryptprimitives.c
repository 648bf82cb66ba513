/* bcryptprimitives.dll for Wine 8, which has none: Rust's standard library (since 1.78) takes its
 * randomness from ProcessPrng here, so without it every Windows test binary fails to load
 * (exit 53). ProcessPrng fills the buffer from RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. Built by `cargo xtask wine` with mingw into a throwaway Wine prefix; never
 * shipped, never used outside our tests. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
