# `ntkit ntfs` as a product (cli/tests/ntfs_product.py): a small volume
# made with mkntfs + ntfs-3g (manifest written while making it), put into
# MBR (extended + logical) and GPT disks with sfdisk/sgdisk, plain and
# gzipped. The tests compare with the manifest, fls/icat and sfdisk; they
# skip (77) without root, /dev/fuse or the tools.
find_program(NTKIT_PRODUCT_PYTHON3 python3)
if(NTKIT_PRODUCT_PYTHON3)
  set(NTFS_PRODUCT_WORK ${CMAKE_BINARY_DIR}/ntfs-product-work)
  set(NTFS_PRODUCT_PY ${CMAKE_CURRENT_LIST_DIR}/ntfs_product.py)
  add_test(NAME ntfs_product_image
    COMMAND ${NTKIT_PRODUCT_PYTHON3} ${NTFS_PRODUCT_PY} make ${NTFS_PRODUCT_WORK})
  set_tests_properties(ntfs_product_image PROPERTIES SKIP_RETURN_CODE 77
    LABELS "ntfs;cli;oracle" TIMEOUT 120 FIXTURES_SETUP ntfs_product RUN_SERIAL TRUE)
  foreach(t disks extract find errors)
    add_test(NAME ntfs_product_${t}
      COMMAND ${NTKIT_PRODUCT_PYTHON3} ${NTFS_PRODUCT_PY} ${t} $<TARGET_FILE:ntkit> ${NTFS_PRODUCT_WORK})
    set_tests_properties(ntfs_product_${t} PROPERTIES SKIP_RETURN_CODE 77
      LABELS "ntfs;cli;oracle" TIMEOUT 120 FIXTURES_REQUIRED ntfs_product)
  endforeach()
endif()
