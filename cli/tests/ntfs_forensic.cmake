# Tests of `ntkit ntfs deleted|timeline|sddl|cat --mft` (cli/ntfs_forensic.c).
# Generated image (mkntfs + ntfs-3g; skips without root and /dev/fuse):
# deleted vs fls -r -d -p, cat --mft vs icat, timeline vs fls -m, sddl.
add_test(NAME ntfs_forensic_deleted
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_deleted.sh $<TARGET_FILE:ntkit>
          ${CMAKE_BINARY_DIR}/ntfs-forensic-work)
set_tests_properties(ntfs_forensic_deleted PROPERTIES SKIP_RETURN_CODE 77
  LABELS "ntfs;cli;oracle" TIMEOUT 120 RUN_SERIAL TRUE)
# Real Windows images: timeline vs fls -r -m / (uses ntfs.cmake's
# decompressed copies, fixture ntfs_shared).
add_test(NAME ntfs_forensic_timeline_real
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_real.sh $<TARGET_FILE:ntkit>
          ${NTKIT_SHARED_TESTDATA} ${CMAKE_BINARY_DIR}/ntfs-shared-cache)
set_tests_properties(ntfs_forensic_timeline_real PROPERTIES SKIP_RETURN_CODE 77
  LABELS "ntfs;cli;oracle" TIMEOUT 300 FIXTURES_REQUIRED ntfs_shared)
# Every generated image (512 B, 4 KiB, 64 KiB clusters; streams on files
# and directories, links, reparse points, compression, a 50,000-entry
# directory, attribute lists): timeline vs fls -r -m /.
foreach(img feat-512 feat-4k feat-64k feat-4kn bigdir-4k frag-4k)
  add_test(NAME ntfs_forensic_timeline_${img}
    COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_body.py $<TARGET_FILE:ntkit>
            ${CMAKE_BINARY_DIR}/testdata/ntfs/${img}.img)
  set_tests_properties(ntfs_forensic_timeline_${img} PROPERTIES SKIP_RETURN_CODE 77
    LABELS "ntfs;cli;oracle" TIMEOUT 120 FIXTURES_REQUIRED ntfs_images)
endforeach()
# A deleted file with an attribute list: frag-4k.img from testdata/ntfs
# (fixture ntfs_images) with its records freed in a copy; cat --mft vs the
# manifest and icat, deleted --json size, timeline names.
add_test(NAME ntfs_forensic_deleted_alist
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_alist.sh $<TARGET_FILE:ntkit>
          ${CMAKE_BINARY_DIR}/testdata/ntfs ${CMAKE_BINARY_DIR}/ntfs-forensic-alist-work)
set_tests_properties(ntfs_forensic_deleted_alist PROPERTIES SKIP_RETURN_CODE 77
  LABELS "ntfs;cli;oracle" TIMEOUT 120 FIXTURES_REQUIRED ntfs_images)
# `stat` on WOF files: algorithm, chunk size, runs labelled as the
# WofCompressedData stream's and equal to istat's (image from ntfs_cli_wof).
if(TARGET ntfs_test_wof_read)
  add_test(NAME ntfs_forensic_wof_stat
    COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_wof_stat.py $<TARGET_FILE:ntkit>
            ${CMAKE_BINARY_DIR}/ntfs-wof)
  set_tests_properties(ntfs_forensic_wof_stat PROPERTIES SKIP_RETURN_CODE 77
    LABELS "ntfs;cli" TIMEOUT 60 FIXTURES_REQUIRED ntfs_wof_image)
endif()
# `usn` on a change journal built by the test (records from its own
# USN_RECORD_V2/V3 writer, after a sparse head; $Extend patched to index
# it): --json vs the writer's manifest and fsntfsinfo -U. Needs root and
# /dev/fuse (ntfs-3g), skips otherwise.
add_test(NAME ntfs_forensic_usn
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/ntfs_forensic_usn.py $<TARGET_FILE:ntkit>
          ${CMAKE_BINARY_DIR}/ntfs-forensic-usn)
set_tests_properties(ntfs_forensic_usn PROPERTIES SKIP_RETURN_CODE 77
  LABELS "ntfs;cli;oracle" TIMEOUT 120 RUN_SERIAL TRUE)
