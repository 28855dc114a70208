# The shared image layer (cli/common_image.c: volume / MBR / GPT / gzip).
# common_image.c is globbed into ntkit by cli/CMakeLists.txt and needs zlib:
# link it here (this file is included right after ntkit is defined).
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
target_link_libraries(ntkit PRIVATE ZLIB::ZLIB Threads::Threads)
