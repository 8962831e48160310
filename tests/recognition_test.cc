// End-to-end recognition on real press-style photos: enrol from one photo
// each, then name (or refuse to name) the faces of other photos.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "test_data.h"

namespace facetag {
namespace {

using testing::DataFile;
using testing::DefaultPack;
using testing::TempDir;

class RecognitionTest : public ::testing::Test {
 protected:
  Person List(const std::string& name) { return bench_.List(name); }

  Result<app::EnrolOutcome> Enroll(const Person& person, const std::string& photo,
                                   std::optional<int> face = std::nullopt) {
    return bench_.Enrol(person, DataFile(photo), face);
  }

  // A face and who it names, if anybody.
  struct NamedFace {
    DetectedFace face;
    std::optional<Person> person;
  };

  std::vector<NamedFace> Recognize(const std::string& photo) {
    auto recognized = bench_.Recognize(DataFile(photo));
    EXPECT_TRUE(recognized) << recognized.error().message;
    std::vector<NamedFace> faces;
    if (!recognized) return faces;
    for (const app::RecognizedFace& f : recognized->faces) {
      NamedFace named{f.face, std::nullopt};
      if (f.decision.person) named.person = *bench_.store().GetPerson(*f.decision.person);
      faces.push_back(std::move(named));
    }
    return faces;
  }

  static bool Contains(const FaceBox& box, float x, float y) {
    return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
  }

  testing::Workbench bench_{"recognition"};
};

constexpr const char* kExamples = "photos/face_recognition/examples/";

TEST_F(RecognitionTest, NamesObamaAndBidenAndNobodyElse) {
  const Person obama = List("Barack Obama");
  const Person biden = List("Joe Biden");
  ASSERT_TRUE(Enroll(obama, std::string(kExamples) + "obama.jpg"));
  ASSERT_TRUE(Enroll(biden, std::string(kExamples) + "biden.jpg"));

  // two_people.jpg: Obama left, Biden right.
  auto two = Recognize(std::string(kExamples) + "two_people.jpg");
  ASSERT_EQ(two.size(), 2u);
  ASSERT_TRUE(two[0].person && two[1].person);
  EXPECT_EQ(two[0].person->name, "Barack Obama");
  EXPECT_EQ(two[1].person->name, "Joe Biden");

  // obama_and_biden.jpg (2000x1428): Biden's face near (850, 490), Obama's
  // near (1236, 480); a girl's face at the lower right is nobody listed.
  auto both = Recognize(std::string(kExamples) + "knn_examples/test/obama_and_biden.jpg");
  std::map<std::string, FaceBox> named;
  for (const auto& f : both) {
    if (f.person) named[f.person->name] = f.face.box;
  }
  ASSERT_EQ(named.size(), 2u);
  EXPECT_TRUE(Contains(named["Joe Biden"], 850, 490));
  EXPECT_TRUE(Contains(named["Barack Obama"], 1236, 480));

  // kit_with_rose.jpg: two faces, neither listed.
  auto strangers = Recognize(std::string(kExamples) + "knn_examples/test/kit_with_rose.jpg");
  EXPECT_GE(strangers.size(), 2u);
  for (const auto& f : strangers) EXPECT_FALSE(f.person) << f.person->name;
}

TEST_F(RecognitionTest, EnrolmentRefusesNoFaceSeveralFacesDuplicatesAndWrongPhotos) {
  const Person obama = List("Barack Obama");
  const Person biden = List("Joe Biden");
  ASSERT_TRUE(Enroll(biden, std::string(kExamples) + "biden.jpg"));

  auto several = Enroll(obama, std::string(kExamples) + "two_people.jpg");
  ASSERT_FALSE(several);
  EXPECT_EQ(several.error().code, ErrorCode::kAmbiguousFace);
  EXPECT_NE(several.error().message.find("--face"), std::string::npos);

  // Choosing face 2 (Biden, on the right) for Obama: looks like listed Biden.
  auto wrong_choice = Enroll(obama, std::string(kExamples) + "two_people.jpg", 2);
  ASSERT_FALSE(wrong_choice);
  EXPECT_EQ(wrong_choice.error().code, ErrorCode::kRejected);
  EXPECT_NE(wrong_choice.error().message.find("Joe Biden"), std::string::npos);

  ASSERT_TRUE(Enroll(obama, std::string(kExamples) + "two_people.jpg", 1));
  auto again = Enroll(obama, std::string(kExamples) + "two_people.jpg", 1);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);

  // A photo of somebody else entirely does not resemble Obama's profile.
  auto unlike = Enroll(obama, std::string(kExamples) + "alex-lacamoire.png");
  ASSERT_FALSE(unlike);
  EXPECT_EQ(unlike.error().code, ErrorCode::kRejected);
  EXPECT_NE(unlike.error().message.find("does not resemble"), std::string::npos);

  // A second real photo of Obama is accepted and resembles the first.
  auto second = Enroll(obama, std::string(kExamples) + "obama2.jpg");
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE(second->resemblance.has_value());
  EXPECT_GT(*second->resemblance, 0.4f);

  const auto blank = TempDir("blank") / "blank.png";
  cv::imwrite(blank.string(), cv::Mat(300, 400, CV_8UC3, cv::Scalar(200, 180, 160)));
  auto no_face = bench_.Enrol(obama, blank);
  ASSERT_FALSE(no_face);
  EXPECT_EQ(no_face.error().code, ErrorCode::kNoFace);
}

// The detector's confident false detections in real photos: a patterned
// background with a shoulder left of Biden and Obama (score 0.99, box at
// about (184, 779) in obama_and_biden.jpg) and a red balloon (score 0.97,
// about (14, 307) in dlib's 2009_004587.jpg). Neither can become a profile,
// and one made a profile anyway names nobody: no face below the naming
// floor is named, and these are below it.
TEST_F(RecognitionTest, FalseDetectionsCannotBeEnrolledAndNameNobody) {
  const std::string group = std::string(kExamples) + "knn_examples/test/obama_and_biden.jpg";
  const std::string balloon = "detection/dlib/examples/faces/2009_004587.jpg";
  const Person stranger = List("Jacket Person");
  for (const std::string& photo : {group, balloon}) {
    const auto faces = Recognize(photo);
    ASSERT_GE(faces.size(), 3u) << photo;
    const DetectedFace& fake = faces[0].face;  // leftmost
    EXPECT_TRUE(Contains(fake.box, photo == group ? 350 : 100, photo == group ? 1000 : 420))
        << photo;
    EXPECT_EQ(fake.quality.issue, QualityIssue::kNotAFace) << photo;
    EXPECT_LT(fake.quality.score, DefaultPack().thresholds.quality_floor_naming) << photo;
    // The real faces of these photos are usable.
    for (std::size_t i = 1; i < faces.size(); ++i) {
      EXPECT_GE(faces[i].face.quality.score, DefaultPack().thresholds.quality_floor_naming)
          << photo << " face " << i + 1;
    }
    auto enrolled = Enroll(stranger, photo, 1);
    ASSERT_FALSE(enrolled) << photo;
    EXPECT_EQ(enrolled.error().code, ErrorCode::kRejected);
    EXPECT_NE(enrolled.error().message.find("does not look like a face"), std::string::npos)
        << enrolled.error().message;
  }

  // Made a profile behind the checks' back, the group photo's false
  // detection still names nothing in the photos where it and its kind occur.
  const auto faces = Recognize(group);
  Profile bogus;
  bogus.person_id = stranger.id;
  bogus.embedding = faces[0].face.embedding;
  bogus.photo_sha256 = std::string(64, 'a');
  bogus.box = faces[0].face.box;
  ASSERT_TRUE(bench_.store().AddProfile(bogus));
  bench_.app().Refresh();
  for (const std::string& photo :
       {group, balloon, std::string(kExamples) + "two_people.jpg",
        std::string("detection/dlib/examples/faces/2008_007676.jpg")}) {
    auto recognized = bench_.Recognize(DataFile(photo));
    ASSERT_TRUE(recognized) << recognized.error().message;
    for (const app::RecognizedFace& f : recognized->faces) {
      EXPECT_FALSE(f.decision.named()) << photo;
    }
    if (photo == group) {
      EXPECT_EQ(recognized->faces[0].decision.decision, FaceDecision::kLowQuality);
      EXPECT_EQ(recognized->faces[0].decision.quality_issue, QualityIssue::kNotAFace);
    }
  }
}

// The Big Bang Theory: every character enrolled from five 150x150 crops;
// the group photos must not give any face a wrong name. Who was found in
// each photo is printed for the record.
TEST_F(RecognitionTest, BigBangTheoryGroupPhotosGetNoWrongName) {
  std::map<std::string, std::string> actor_of;  // character -> actor
  {
    std::ifstream csv(DataFile("photos/bigbang/character_to_actor.csv"));
    std::string line;
    std::getline(csv, line);
    while (std::getline(csv, line)) {
      const auto comma = line.find(',');
      const auto second = line.find(',', comma + 1);
      actor_of[line.substr(0, comma)] = line.substr(comma + 1, second - comma - 1);
    }
  }
  ASSERT_EQ(actor_of.size(), 8u);
  for (const auto& [character, actor] : actor_of) {
    const Person person = List(actor);
    for (int i = 1; i <= 5; ++i) {
      const std::string crop = "photos/bigbang/examples/images/" + character + "/" + character +
                               std::to_string(i) + ".png";
      auto enrolled = Enroll(person, crop);
      // A crop may fail only for a stated reason; most must enrol.
      if (!enrolled)
        std::cout << "  not enrolled " << crop << ": " << enrolled.error().message << "\n";
    }
    auto listed = bench_.store().FindPerson(actor);
    ASSERT_TRUE(listed);
    EXPECT_GE(listed->profile_count, 3) << actor;
  }

  std::ifstream csv(DataFile("photos/bigbang/multi_person.csv"));
  std::string line;
  std::getline(csv, line);
  int named_total = 0;
  while (std::getline(csv, line)) {
    const auto comma = line.find(',');
    const std::string photo = "photos/bigbang/" + line.substr(0, comma);
    const auto second = line.find(',', comma + 1);
    std::string present = ";" + line.substr(comma + 1, second - comma - 1) + ";";
    // bbt2's labels name only the two main characters; the background face
    // at the left edge is Raj, i.e. Kunal Nayyar (checked by eye).
    if (photo.ends_with("bbt2.jpg")) present += "Kunal_Nayyar;";
    const auto faces = Recognize(photo);
    std::cout << "  " << photo << ": " << faces.size() << " faces;";
    for (const auto& f : faces) {
      if (!f.person) continue;
      ++named_total;
      std::cout << " " << f.person->name;
      EXPECT_NE(present.find(";" + f.person->name + ";"), std::string::npos)
          << f.person->name << " named in " << photo << " but not in it";
    }
    std::cout << "\n";
    // For photos whose labels are in left-to-right order, the names given
    // must come out in that order (faces are ordered left to right).
    if (line.find("left-to-right") != std::string::npos) {
      std::size_t at = 0;
      for (const auto& f : faces) {
        if (!f.person) continue;
        const std::size_t found = present.find(";" + f.person->name + ";", at);
        EXPECT_NE(found, std::string::npos) << f.person->name << " out of order in " << photo;
        if (found != std::string::npos) at = found + 1;
      }
    }
  }
  // Measured: 27 of the 29 faces named. The list threshold counts every
  // profile vector compared (40 here), which leaves Johnny Galecki in a fake
  // beard (bbt1) and Raj at the edge of bbt2 unnamed rather than risk a
  // wrong name.
  EXPECT_GE(named_total, 27);
}

}  // namespace
}  // namespace facetag
