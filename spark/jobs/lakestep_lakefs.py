"""The lake through Hadoop's FileSystem API (driver side only): file:// locally, s3:// on EMR (EMRFS).

Going through the JVM's FileSystem keeps one code path for both: no boto3 on the cluster,
and the same credentials Spark itself uses. Keys are lake-relative, `/`-separated
(`processed/access_records/year=2024/month=03/day=05/part-….parquet`); a lake root is a URI
ending in `/` (`s3://bucket/`, `file:///tmp/lake/`).
"""

from __future__ import annotations


class LakeFs:
    """Small wrapper over org.apache.hadoop.fs.FileSystem for one lake root.

    Raises py4j errors (IOException …) as they come: a failing store fails the step.
    """

    def __init__(self, spark, lake_root: str):
        if not lake_root.endswith("/"):
            lake_root += "/"
        self.root = lake_root
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        root_path = self._path(lake_root)
        self._fs = root_path.getFileSystem(self._conf)
        # Qualified form (`file:/tmp/lake`, `s3://bucket/`) is how listings and binaryFiles name paths.
        self.qualified_root = self._fs.makeQualified(root_path).toString().rstrip("/") + "/"

    def _path(self, uri: str):
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def uri(self, key: str) -> str:
        """Lake-relative key -> URI under the lake root."""
        return self.root + key

    def key_of(self, qualified: str) -> str:
        """Qualified path string (from a listing) -> lake-relative key."""
        if not qualified.startswith(self.qualified_root):
            raise ValueError(f"{qualified} is not under the lake root {self.qualified_root}")
        return qualified[len(self.qualified_root) :]

    def list_files(self, prefix: str) -> list[tuple[str, str, int]]:
        """Every file under the key prefix (recursive) as (qualified path, key, bytes), key order.

        A missing prefix lists nothing. Zero-byte `…/` folder markers are skipped.
        """
        path = self._path(self.uri(prefix))
        if not self._fs.exists(path):
            return []
        found = []
        it = self._fs.listFiles(path, True)
        while it.hasNext():
            status = it.next()
            qualified = status.getPath().toString()
            found.append((qualified, self.key_of(qualified), int(status.getLen())))
        return sorted(found, key=lambda f: f[1])

    def read_text(self, uri: str) -> str:
        """Whole file at any Hadoop URI (not only under the lake) as UTF-8 text."""
        path = self._path(uri)
        stream = path.getFileSystem(self._conf).open(path)
        try:
            data = self._jvm.org.apache.commons.io.IOUtils.toByteArray(stream)
        finally:
            stream.close()
        return bytes(data).decode("utf-8")

    def write_text(self, key: str, text: str) -> None:
        """Writes (replaces) one object; on S3 a single PUT, so readers see old or new, never half."""
        stream = self._fs.create(self._path(self.uri(key)), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def move(self, src_key: str, dst_key: str) -> None:
        """Moves one file (on S3: copy then delete of that one object; the copy appears whole)."""
        dst = self._path(self.uri(dst_key))
        self._fs.mkdirs(dst.getParent())
        if not self._fs.rename(self._path(self.uri(src_key)), dst):
            raise OSError(f"could not move {src_key} to {dst_key}")

    def remove_folder_if_empty(self, key: str) -> None:
        """Removes the folder `key` (on S3 its marker object, which EMRFS leaves after a recursive delete
        under it) when nothing is in it. A non-recursive delete refuses a folder another step is writing
        into, and that refusal is ignored: an empty folder is litter, never worth failing a step for."""
        path = self._path(self.uri(key))
        try:
            if self._fs.exists(path) and len(self._fs.listStatus(path)) == 0:
                self._fs.delete(path, False)
        except Exception:  # py4j's Py4JJavaError (PathIsNotEmptyDirectoryException, IOException)
            pass

    def delete(self, key: str, recursive: bool = False) -> None:
        """Deletes a file, or a prefix with recursive=True; a missing key is not an error."""
        self._fs.delete(self._path(self.uri(key)), recursive)
