import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Uploads a local folder tree to an S3 API server, for bench/listing.sh: {@code S3Put ENDPOINT
 * ACCESS_KEY SECRET_KEY BUCKET DIR PREFIX} puts every file under DIR at PREFIX/its path (the bucket
 * made if missing) and prints how many.
 */
public final class S3Put {
  public static void main(String[] args) throws Exception {
    AmazonS3 s3 =
        AmazonS3ClientBuilder.standard()
            .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(args[0], "us-east-1"))
            .withPathStyleAccessEnabled(true)
            .withCredentials(
                new AWSStaticCredentialsProvider(new BasicAWSCredentials(args[1], args[2])))
            .build();
    String bucket = args[3];
    Path dir = Path.of(args[4]);
    if (!s3.doesBucketExistV2(bucket)) {
      s3.createBucket(bucket);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      s3.putObject(bucket, args[5] + "/" + dir.relativize(f).toString().replace('\\', '/'), f.toFile());
    }
    System.out.println(files.size());
  }
}
