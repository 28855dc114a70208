"""ntfs-3g read-write mounts for the generators and tests that build NTFS
images (gen_ntfs_images.py, testdata/sample/make_sample.py,
cli/tests/hive_image_test.py, cli/tests/ntfs_wof_test.py)."""
import contextlib
import os
import subprocess
import tempfile
import time


def mount(img, mnt, opts="streams_interface=windows"):
    """Starts ntfs-3g in the foreground on `mnt`; returns its process once
    the mount is up. no_detach: we own the daemon and can wait until it has
    written everything back to the image after the unmount. Its chatter
    goes to a file: a pipe nobody reads could fill up and stall it."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(["ntfs-3g", "-o", "no_detach," + opts, img, mnt],
                            stdout=log, stderr=subprocess.STDOUT)
    proc.ntkit_log = log
    deadline = time.time() + 20
    while not os.path.ismount(mnt):
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("ntfs-3g failed: %s" % log.read().decode("utf-8", "replace"))
        if time.time() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError("ntfs-3g mount timed out")
        time.sleep(0.01)
    return proc


def unmount(proc, mnt):
    """Unmounts and waits for the daemon: the image is complete afterwards."""
    if os.path.ismount(mnt):
        os.sync()
        for _ in range(50):
            if subprocess.run(["umount", mnt], stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.1)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.ntkit_log.close()


@contextlib.contextmanager
def mounted(img, opts="streams_interface=windows", prefix="ntkit-ntfs3g-"):
    """`with mounted(img) as mnt:` a temporary read-write mount of img."""
    mnt = tempfile.mkdtemp(prefix=prefix)
    try:
        proc = mount(img, mnt, opts)
        try:
            yield mnt
        finally:
            unmount(proc, mnt)
    finally:
        os.rmdir(mnt)
